/**
 * The before-send hook (`--before-send-url`): a signed POST of the message about to be stored
 * (`{channel, from, text, replyTo?}`) to the operator's backend, answered within
 * `--before-send-timeout-ms` with `{"action":"allow"}`, `{"action":"reject","reason"?}` or
 * `{"action":"rewrite","text"}`. A reject is SB_ERR_MESSAGE_REJECTED to the sender. A failure
 * (timeout, refused address, non-2xx, an answer not of that shape) follows `--before-send-fail`:
 * `open` stores the message as sent, `closed` refuses it with SB_ERR_HOOK_UNAVAILABLE.
 */
import { z } from 'zod';
import type { BeforeSend } from '../core/event-sink.js';
import { SwitchboardError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { AllowList } from '../net/address-policy.js';
import { safeFetch } from '../net/safe-fetch.js';
import { SIGNATURE_HEADER, sign } from './signature.js';

const ANSWER = z.discriminatedUnion('action', [
  z.object({ action: z.literal('allow') }),
  z.object({ action: z.literal('reject'), reason: z.string().max(500).optional() }),
  z.object({ action: z.literal('rewrite'), text: z.string() }),
]);

export interface BeforeSendOptions {
  url: string;
  secret: string;
  timeoutMs: number;
  fail: 'open' | 'closed';
  allow: AllowList;
  logger: Logger;
}

export class HttpBeforeSend implements BeforeSend {
  constructor(private readonly o: BeforeSendOptions) {}

  async check(m: {
    channel: string;
    from: string;
    text: string;
    replyTo?: number;
  }): Promise<string> {
    let answer: z.output<typeof ANSWER>;
    try {
      answer = await this.#ask(m);
    } catch (err) {
      this.o.logger.warn({ err, fail: this.o.fail }, 'before-send hook failed');
      if (this.o.fail === 'open') return m.text;
      throw new SwitchboardError('SB_ERR_HOOK_UNAVAILABLE', undefined, { cause: err });
    }
    if (answer.action === 'reject')
      throw new SwitchboardError('SB_ERR_MESSAGE_REJECTED', answer.reason);
    return answer.action === 'rewrite' ? answer.text : m.text;
  }

  async #ask(m: object): Promise<z.output<typeof ANSWER>> {
    const body = JSON.stringify(m);
    const res = await safeFetch(this.o.url, {
      method: 'POST',
      body,
      allow: this.o.allow,
      timeoutMs: this.o.timeoutMs,
      maxBytes: 256 * 1024,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Switchboard-Hooks',
        [SIGNATURE_HEADER]: sign(this.o.secret, body),
      },
    });
    if (res.status < 200 || res.status > 299)
      throw new SwitchboardError('SB_ERR_FETCH_FAILED', `before-send hook answered ${res.status}`);
    return ANSWER.parse(JSON.parse(res.body.toString('utf8')));
  }
}
