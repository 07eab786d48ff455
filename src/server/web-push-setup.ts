/**
 * The node's push sender from the settings: VAPID keys given by flags, or the cluster's pair
 * kept in the store (made at the first start of any node; docs/push.md).
 */
import { readFileSync } from 'node:fs';
import type { Config } from '../config.js';
import { SwitchboardError } from '../errors.js';
import type { PushSender } from '../push/push-sender.js';
import { RetryingPushSender } from '../push/retrying-sender.js';
import { WebPushSender, generateVapidKeys } from '../push/web-push.js';
import type { Store } from '../store/store.js';

export interface WebPushSetup {
  /** Web Push with retries of transient failures (429/5xx honouring Retry-After, network). */
  sender: PushSender;
  publicKey: string;
  /** Closes kept-alive sockets to push services. */
  close(): void;
}

export async function openWebPush(config: Config, store: Store): Promise<WebPushSetup | null> {
  if (!config.push) return null;
  const given = config.vapidPublicKey !== undefined || config.vapidPrivateKey !== undefined;
  if (given && (config.vapidPublicKey === undefined || config.vapidPrivateKey === undefined))
    throw new SwitchboardError(
      'SB_ERR_CONFIG_INVALID',
      '--vapid-public-key and --vapid-private-key go together',
    );
  const keys = given
    ? { publicKey: config.vapidPublicKey!, privateKey: config.vapidPrivateKey! }
    : await store.push.vapidKeys(generateVapidKeys());
  let ca: string | undefined;
  try {
    ca = config.pushCa === undefined ? undefined : readFileSync(config.pushCa, 'utf8');
  } catch (err) {
    throw new SwitchboardError('SB_ERR_CONFIG_INVALID', `cannot read --push-ca ${config.pushCa}`, {
      cause: err,
    });
  }
  let sender: WebPushSender;
  try {
    sender = new WebPushSender({
      vapid: { ...keys, subject: config.vapidSubject },
      timeoutMs: config.pushTimeout,
      allowPrivate: config.pushAllowPrivate,
      ...(ca === undefined ? {} : { ca }),
    });
  } catch (err) {
    throw new SwitchboardError(
      'SB_ERR_CONFIG_INVALID',
      `push: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
  const web = sender;
  return {
    sender: new RetryingPushSender(web),
    publicKey: keys.publicKey,
    close: () => web.close(),
  };
}
