import { createHash, createHmac } from 'node:crypto';
import { z } from 'zod';
import { SwitchboardError } from '../errors.js';
import { HANDLE_RE } from '../protocol/frames.js';
import type { Authenticator, Credentials, Identity } from './authenticator.js';

export interface WebhookAuthenticatorOptions {
  /** The operator's endpoint; receives `POST {credentials}` (see docs/auth.md). */
  url: string;
  /** HMAC-SHA256 key that signs every request. */
  secret: string;
  /** Time budget of one request, in ms. Default 2000. */
  timeoutMs?: number;
  /** How long an answer (allow or deny) is reused for the same credential, in ms. Default 30 000. */
  cacheMs?: number;
  /** Answers kept at most (oldest dropped first). Default 10 000. */
  maxCacheEntries?: number;
  now?: () => number;
  /** Told of every failed request (the reason the hello got SB_ERR_AUTH_UNAVAILABLE). */
  onUnavailable?: (err: unknown) => void;
}

const Answer = z.union([
  z.object({
    allow: z.literal(true),
    user: z.string().regex(HANDLE_RE),
    name: z.string().min(1).max(100).optional(),
    roles: z.array(z.string().min(1).max(64)).max(100).optional(),
    expiresAt: z.number().int().optional(),
  }),
  z.object({ allow: z.literal(false) }),
]);

type Decision = Identity | 'deny';

/**
 * "Backend decides": the credential of a hello is POSTed to the operator's backend, which
 * answers allow (user, name, roles) or deny. The request is signed: header
 * `x-switchboard-signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>` with
 * `x-switchboard-timestamp` (Unix seconds). A non-200 answer, a malformed one, a network error
 * or no answer within `timeoutMs` rejects SB_ERR_AUTH_UNAVAILABLE (fail closed; AuthChain can
 * fail open). Allow and deny are cached per credential (by SHA-256) for `cacheMs`; failures are not.
 * Keeps no session: the identity's token is ''.
 */
export class WebhookAuthenticator implements Authenticator {
  readonly #opts: WebhookAuthenticatorOptions;
  readonly #now: () => number;
  readonly #cache = new Map<string, { until: number; decision: Decision }>();
  /** Requests on their way, by credential: simultaneous hellos (a reconnect storm) share one. */
  readonly #inflight = new Map<string, Promise<Decision>>();

  constructor(options: WebhookAuthenticatorOptions) {
    this.#opts = options;
    this.#now = options.now ?? Date.now;
  }

  async authenticate(credentials: Credentials): Promise<Identity> {
    const body = JSON.stringify({
      type: 'hello',
      credentials: {
        ...(credentials.jwt === undefined ? {} : { jwt: credentials.jwt }),
        ...(credentials.token === undefined ? {} : { token: credentials.token }),
        ...(credentials.handle === undefined ? {} : { handle: credentials.handle }),
      },
    });
    const key = createHash('sha256').update(body).digest('hex');
    const now = this.#now();
    const cached = this.#cache.get(key);
    const decision =
      cached && cached.until > now ? cached.decision : await this.#shared(key, body, now);
    if (decision === 'deny') throw new SwitchboardError('SB_ERR_AUTH_DENIED');
    return decision;
  }

  /** Webhook users are known to the directory, not here: the chain asks the others. */
  exists(): Promise<boolean> {
    return Promise.resolve(false);
  }

  #shared(key: string, body: string, now: number): Promise<Decision> {
    let pending = this.#inflight.get(key);
    if (!pending) {
      pending = this.#ask(key, body, now).finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, pending);
    }
    return pending;
  }

  async #ask(key: string, body: string, now: number): Promise<Decision> {
    const answer = await this.#post(body, now);
    const decision: Decision = answer.allow
      ? {
          user: answer.user,
          token: '',
          // 0: the backend gave no expiry.
          expiresAt: answer.expiresAt ?? 0,
          ...(answer.name === undefined ? {} : { name: answer.name }),
          roles: answer.roles ?? [],
        }
      : 'deny';
    this.#remember(key, decision, now);
    return decision;
  }

  async #post(body: string, now: number): Promise<z.infer<typeof Answer>> {
    const timestamp = String(Math.floor(now / 1000));
    const signature = createHmac('sha256', this.#opts.secret)
      .update(`${timestamp}.${body}`)
      .digest('hex');
    try {
      const res = await fetch(this.#opts.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-switchboard-timestamp': timestamp,
          'x-switchboard-signature': `sha256=${signature}`,
        },
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(this.#opts.timeoutMs ?? 2_000),
      });
      if (res.status !== 200) {
        await res.body?.cancel();
        throw new Error(`auth webhook answered ${res.status}`);
      }
      return Answer.parse(await res.json());
    } catch (err) {
      this.#opts.onUnavailable?.(err);
      throw new SwitchboardError('SB_ERR_AUTH_UNAVAILABLE', undefined, { cause: err });
    }
  }

  #remember(key: string, decision: Decision, now: number): void {
    const ttl = this.#opts.cacheMs ?? 30_000;
    if (ttl <= 0) return;
    this.#cache.delete(key);
    if (this.#cache.size >= (this.#opts.maxCacheEntries ?? 10_000)) {
      const oldest = this.#cache.keys().next();
      if (!oldest.done) this.#cache.delete(oldest.value);
    }
    this.#cache.set(key, { until: now + ttl, decision });
  }
}
