/**
 * A Web Push service on loopback for the tests, playing what FCM or Mozilla's autopush do for a
 * browser: HTTPS (web-push posts over HTTPS only) with a certificate made for this run by
 * `openssl`, one endpoint per subscription (`/push/<id>`), each answering as the test says
 * (201 accepted, 410 gone, or never; or, first, a scripted list of answers such as 503 or 429
 * with Retry-After). Every accepted post has its VAPID Authorization checked
 * (RFC 8292: an ES256 JWT for this origin, signed by the key in `k`) and its aes128gcm body
 * decrypted with the subscription's private key (./web-push-decrypt.ts); a post that fails
 * either is answered 400 and recorded as rejected, so a test that expects a push fails.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importJWK, jwtVerify } from 'jose';
import {
  decryptAes128gcm,
  newSubscriptionKeys,
  type SubscriptionKeys,
} from './web-push-decrypt.js';

export type EndpointMode = 'accept' | 'gone' | 'hang';

/** A scripted answer: a status, and the Retry-After header (seconds) to send with it. */
export interface ScriptedAnswer {
  status: number;
  retryAfter?: number;
}

export interface ReceivedPush {
  id: string;
  /** The decrypted payload. */
  payload: Record<string, unknown>;
  /** The VAPID public key (`k`) that signed the JWT. */
  vapidKey: string;
  claims: { aud: string; sub: string; exp: number };
  headers: Record<string, string | string[] | undefined>;
}

export interface TestSubscription {
  id: string;
  keys: SubscriptionKeys;
  /** What a page sends in `push-subscribe`. */
  json: { endpoint: string; keys: { p256dh: string; auth: string } };
}

/** True when `openssl` can make the test certificate (CI must have it). */
export function opensslAvailable(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export class PushService {
  readonly received: ReceivedPush[] = [];
  readonly rejected: { id: string; reason: string }[] = [];
  /** Posts to each endpoint, answered or not. */
  readonly hits = new Map<string, number>();
  readonly #subs = new Map<string, { keys: SubscriptionKeys; mode: EndpointMode }>();
  readonly #waiters: (() => void)[] = [];
  readonly #hanging = new Set<() => void>();
  readonly #scripts = new Map<string, ScriptedAnswer[]>();
  /** When each post arrived (ms), per endpoint. */
  readonly times = new Map<string, number[]>();
  #next = 0;

  private constructor(
    private readonly server: Server,
    readonly origin: string,
    /** PEM file of the certificate: the server's `--push-ca`. */
    readonly caFile: string,
    private readonly dir: string,
  ) {}

  static async start(): Promise<PushService> {
    const dir = mkdtempSync(join(tmpdir(), 'sb-push-'));
    const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    const server = createServer({ key: readFileSync(key), cert: readFileSync(cert) });
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    const { port } = server.address() as AddressInfo;
    const service = new PushService(server, `https://127.0.0.1:${port}`, cert, dir);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const id = /^\/push\/([a-z0-9]+)$/.exec(req.url ?? '')?.[1] ?? '';
        service.times.set(id, [...(service.times.get(id) ?? []), Date.now()]);
        const scripted = service.#scripts.get(id)?.shift();
        if (scripted) {
          service.hits.set(id, (service.hits.get(id) ?? 0) + 1);
          const headers =
            scripted.retryAfter === undefined ? {} : { 'retry-after': String(scripted.retryAfter) };
          res.writeHead(scripted.status, headers).end();
          for (const wake of service.#waiters.splice(0)) wake();
          return;
        }
        service
          .#handle(req.url ?? '', req.headers, Buffer.concat(chunks))
          .then((status) => {
            if (status !== null) res.writeHead(status).end();
          })
          .catch(() => res.writeHead(500).end());
      });
    });
    return service;
  }

  /** A new browser subscription with its own key pair and endpoint. */
  subscription(mode: EndpointMode = 'accept'): TestSubscription {
    const id = `s${++this.#next}`;
    const keys = newSubscriptionKeys();
    this.#subs.set(id, { keys, mode });
    return { id, keys, json: { endpoint: `${this.origin}/push/${id}`, keys: keys.json } };
  }

  /** The next posts to `id` get these answers, in order; then its mode answers again. */
  script(id: string, answers: ScriptedAnswer[]): void {
    this.#scripts.set(id, [...answers]);
  }

  setMode(id: string, mode: EndpointMode): void {
    this.#subs.get(id)!.mode = mode;
  }

  /** Resolves when `pred` holds, checked after every post. */
  async until(pred: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred()) {
      if (Date.now() > deadline) throw new Error('push service: condition not met in time');
      await new Promise<void>((res) => {
        const t = setTimeout(res, 200);
        this.#waiters.push(() => {
          clearTimeout(t);
          res();
        });
      });
    }
  }

  async close(): Promise<void> {
    for (const release of this.#hanging) release();
    this.server.closeAllConnections();
    await new Promise<void>((res) => this.server.close(() => res()));
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The status to answer, or null to never answer. */
  async #handle(
    url: string,
    headers: ReceivedPush['headers'],
    body: Buffer,
  ): Promise<number | null> {
    const id = /^\/push\/([a-z0-9]+)$/.exec(url)?.[1] ?? '';
    this.hits.set(id, (this.hits.get(id) ?? 0) + 1);
    const sub = this.#subs.get(id);
    try {
      if (!sub) return 404;
      if (sub.mode === 'gone') return 410;
      if (sub.mode === 'hang') {
        await new Promise<void>((res) => this.#hanging.add(res));
        return null;
      }
      const { claims, vapidKey } = await this.#checkVapid(headers);
      if (headers['content-encoding'] !== 'aes128gcm') throw new Error('not aes128gcm');
      const payload = JSON.parse(decryptAes128gcm(body, sub.keys).toString('utf8')) as Record<
        string,
        unknown
      >;
      this.received.push({ id, payload, vapidKey, claims, headers });
      return 201;
    } catch (err) {
      this.rejected.push({ id, reason: err instanceof Error ? err.message : String(err) });
      return 400;
    } finally {
      for (const wake of this.#waiters.splice(0)) wake();
    }
  }

  /** RFC 8292 §3: `vapid t=<JWT>, k=<public key>`; the JWT is ES256 for this origin. */
  async #checkVapid(headers: ReceivedPush['headers']) {
    const m = /^vapid t=([\w.-]+), k=([\w-]+)$/.exec(String(headers.authorization ?? ''));
    if (!m) throw new Error('no vapid Authorization');
    const [, token, vapidKey] = m as unknown as [string, string, string];
    const point = Buffer.from(vapidKey, 'base64url');
    if (point.length !== 65 || point[0] !== 4) throw new Error('k is not a P-256 point');
    const key = await importJWK(
      {
        kty: 'EC',
        crv: 'P-256',
        x: point.subarray(1, 33).toString('base64url'),
        y: point.subarray(33).toString('base64url'),
      },
      'ES256',
    );
    const { payload } = await jwtVerify(token, key, {
      algorithms: ['ES256'],
      audience: this.origin,
      requiredClaims: ['exp', 'sub'],
    });
    // RFC 8292 §2: at most 24 hours ahead.
    if (payload.exp! * 1000 > Date.now() + 24 * 3600_000) throw new Error('exp too far ahead');
    return { vapidKey, claims: payload as ReceivedPush['claims'] };
  }
}
