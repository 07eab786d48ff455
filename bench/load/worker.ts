/**
 * A load worker: a child process of bench/run.ts that holds a share of the clients, sends its
 * share of the messages and measures publish→deliver latency. Talks to the runner over IPC.
 */
import { performance } from 'node:perf_hooks';
import { SignJWT } from 'jose';
import { clientFactories, type LoadClient } from './clients.js';
import { Histogram } from './histogram.js';
import type { ConnectCommand, RunnerMessage, SendCommand, WorkerMessage } from './ipc.js';

/** Wall clock with sub-ms precision; comparable across processes on one machine. */
const now = (): number => performance.timeOrigin + performance.now();
const post = (m: WorkerMessage): void => void process.send?.(m);
const workerId = Number(process.env['BENCH_WORKER_ID'] ?? 0);

const clients: { c: LoadClient; alive: boolean; n: number }[] = [];
const hist = new Histogram();
const counters = { sent: 0, delivered: 0, otherFrames: 0, errors: 0, lastDeliveryAt: 0 };
let ready = 0;
let failed = 0;
let dropped = 0;
let firstError: string | null = null;
let sendTimer: NodeJS.Timeout | undefined;
/** Session tokens by client number, kept across `close` for a later reconnect. */
const tokens = new Map<number, string>();

/** The bench's JWT of client `n`: what an operator's identity provider would issue. */
async function signJwt(secret: string, n: number): Promise<string> {
  return new SignJWT({ name: `User ${n}` })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(`u${n}`)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(secret));
}

function progress(): void {
  post({ t: 'progress', ready, failed, dropped, firstError, ...counters });
}

async function connect(cmd: ConnectCommand): Promise<void> {
  const started = now();
  const make = clientFactories[cmd.kind];
  let next = cmd.from;
  const one = async (n: number): Promise<void> => {
    const entry: { alive: boolean } = { alive: false };
    const client = make(
      {
        url: cmd.urls?.length ? (cmd.urls[n % cmd.urls.length] ?? cmd.url) : cmd.url,
        n,
        resumeAfter: cmd.resumeAfter,
        token: cmd.reconnect ? (tokens.get(n) ?? null) : null,
        jwt: cmd.jwtSecret === undefined ? null : await signJwt(cmd.jwtSecret, n),
      },
      {
        onDelivery(sentAt) {
          const t = now();
          counters.delivered++;
          counters.lastDeliveryAt = t;
          hist.record(t - sentAt);
        },
        onOther(count) {
          counters.otherFrames += count;
        },
        onError(detail) {
          counters.errors++;
          firstError ??= detail;
        },
        onDrop(detail) {
          if (!entry.alive) return;
          entry.alive = false;
          dropped++;
          firstError ??= detail;
        },
      },
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`not ready after ${cmd.timeoutMs} ms`)),
        cmd.timeoutMs,
      );
    });
    try {
      await Promise.race([client.ready, timeout]);
      entry.alive = true;
      clients.push(Object.assign(entry, { c: client, n }));
      if (client.token !== null) tokens.set(n, client.token);
      ready++;
    } catch (e) {
      failed++;
      firstError ??= e instanceof Error ? e.message : String(e);
      client.close();
    } finally {
      clearTimeout(timer);
    }
  };
  const lane = async (): Promise<void> => {
    while (next < cmd.to) await one(next++);
  };
  await Promise.all(Array.from({ length: Math.max(1, cmd.concurrency) }, lane));
  progress(); // IPC keeps order: the runner's totals are current when the reply arrives
  post({ t: 'connected', ready, failed, ms: now() - started });
}

/** A DM's recipient for sender `n`: a random other user, or one of its contacts. */
function dmTarget(cmd: SendCommand, n: number): number {
  const users = cmd.dmUsers ?? 0;
  if (cmd.dmContacts !== undefined && cmd.dmContacts > 0) {
    return (n + 1 + Math.floor(Math.random() * Math.min(cmd.dmContacts, users - 1))) % users;
  }
  // a random other user: k in [0, users) without the sender's own number
  const to = Math.floor(Math.random() * (users - 1));
  return to >= n ? to + 1 : to;
}

/**
 * Sends `count` messages at `rate`/s from random live clients; stops at count or time bound.
 * With `warm`, sends one DM from each live client to each of its contacts instead.
 */
function send(cmd: SendCommand): void {
  const start = now();
  const users = cmd.dmUsers ?? 0;
  const contacts = Math.min(cmd.dmContacts ?? 0, Math.max(0, users - 1));
  const warmList =
    cmd.warm === true && contacts > 0
      ? clients
          .filter((x) => x.alive)
          .flatMap((x) =>
            Array.from({ length: contacts }, (_, j) => ({ x, to: (x.n + 1 + j) % users })),
          )
      : null;
  const total = warmList ? warmList.length : cmd.count;
  const deadline = start + (total / Math.max(cmd.rate, 0.001)) * 1000 + 5000;
  let seq = 0;
  const finish = (): void => {
    clearInterval(sendTimer);
    sendTimer = undefined;
    progress();
    post({ t: 'sent', sent: counters.sent });
  };
  let done = 0;
  sendTimer = setInterval(() => {
    const t = now();
    const due = Math.min(total, Math.floor(((t - start) / 1000) * cmd.rate));
    const live = clients.filter((x) => x.alive);
    while (done < due && live.length > 0) {
      const planned = warmList?.[done];
      const pick = planned ? planned.x : live[Math.floor(Math.random() * live.length)];
      done++;
      if (planned && !planned.x.alive) continue; // a warm-up sender that dropped: not sent
      seq++;
      const text = `${now().toFixed(3)}|${workerId}.${seq}`;
      const cid = `w${workerId}-${seq}-${Math.floor(start)}`;
      if (pick && users > 1) pick.c.sendDm(planned ? planned.to : dmTarget(cmd, pick.n), text, cid);
      else pick?.c.send(text, cid);
      counters.sent++;
    }
    if (done >= total || t > deadline || live.length === 0) finish();
  }, 5);
}

const progressTimer = setInterval(progress, 200);

process.on('message', (m: RunnerMessage) => {
  switch (m.t) {
    case 'connect':
      void connect(m);
      break;
    case 'send':
      send(m);
      break;
    case 'reset':
      hist.reset();
      Object.assign(counters, {
        sent: 0,
        delivered: 0,
        otherFrames: 0,
        errors: 0,
        lastDeliveryAt: 0,
      });
      progress();
      break;
    case 'report':
      post({ t: 'report', buckets: hist.buckets, count: hist.count, maxMs: hist.maxMs });
      break;
    case 'close':
      clearInterval(sendTimer);
      for (const x of clients.splice(0)) {
        x.alive = false; // a close we asked for is not a drop
        x.c.close();
      }
      ready = 0;
      failed = 0;
      dropped = 0;
      firstError = null;
      setTimeout(() => post({ t: 'closed' }), 200);
      break;
    case 'exit':
      clearInterval(progressTimer);
      process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
