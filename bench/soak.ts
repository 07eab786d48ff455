/**
 * `npm run soak -- --minutes N`: 3 Switchboard nodes + a private Redis (ephemeral port, temp
 * dir) sharing one SQLite store, with users churning for N minutes: connect to a random node,
 * chat in their rooms and in a DM, disconnect, come back and resume. The load is bounded (a
 * fixed population, each user sending about once a second while online).
 *
 * Every few seconds it samples each node's RSS and open file descriptors from /proc; at the end
 * it writes JSON and an SVG plot to bench/results/soak-<time>.{json,svg} and prints the RSS slope
 * (KB/min, after the first fifth of the run), the store's bytes per message, and how many
 * messages were lost or delivered twice (every user must hold every seq of each of its channels
 * exactly once, across all its connections). Exits 1 when any was lost or duplicated.
 * Needs `npm run build` (the nodes run dist/cli/main.js) and redis-server.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { startRedis } from '../test/helpers/brokers/redis.js';
import { rssBytes } from './lib/proc.js';
import { startSwitchboard, type RunningServer } from './lib/servers.js';
import { svgChart } from './lib/svg-chart.js';
import { SoakUser } from './soak/user.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    users: { type: 'string', default: '48' },
    sample: { type: 'string', default: '5' },
  },
});
const MINUTES = Number(values.minutes);
const USERS = Number(values.users);
const SAMPLE_MS = Number(values.sample) * 1000;
const NODES = 3;
const ROOMS = 4;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const rand = (lo: number, hi: number) => lo + Math.random() * (hi - lo);
const pick = <T>(xs: T[]): T => xs[Math.floor(Math.random() * xs.length)]!;

interface Sample {
  t: number;
  rssKb: number[];
  fds: number[];
}

function fdCount(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return NaN;
  }
}

/** Least-squares slope of y over x. */
function slope(points: [number, number][]): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

/** The store's size once its WAL is folded in. */
function storeBytes(file: string): number {
  const db = new Database(file);
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  return statSync(file).size;
}

/** Online for a while, sending; offline for a while; until `until`. */
async function churn(u: SoakUser, urls: string[], until: number): Promise<void> {
  let i = 0;
  while (Date.now() < until) {
    try {
      await u.connect(pick(urls));
    } catch {
      await sleep(1000);
      continue;
    }
    const leaveAt = Math.min(until, Date.now() + rand(5_000, 20_000));
    while (Date.now() < leaveAt && u.online) {
      const target = Math.random() < 0.3 ? { to: u.peer } : { room: pick(u.rooms) };
      const cid = `${u.name}-${i}`;
      // Retried with the same cid after a failure, on this connection or the next one.
      if (await u.send(target, cid).catch(() => false)) {
        i++;
        u.sent++;
      }
      await sleep(rand(500, 1500));
    }
    await u.close();
    await sleep(rand(1_000, 4_000));
  }
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-soak-'));
  const redis = await startRedis();
  const nodes: RunningServer[] = [];
  for (let i = 0; i < NODES; i++)
    nodes.push(
      await startSwitchboard({
        dataDir,
        tag: `soak${i}`,
        args: ['--bus', redis.url, '--node-id', `soak${i}`],
      }),
    );
  const urls = nodes.map((n) => `${n.url}/ws`);
  const run = Date.now().toString(36);
  const rooms = Array.from({ length: ROOMS }, (_, i) => `soak${run}${i}`);
  const half = USERS / 2;
  const users = Array.from(
    { length: USERS },
    (_, i) =>
      new SoakUser(
        `s${run}${i}`,
        [rooms[i % ROOMS]!, rooms[(i + 1) % ROOMS]!],
        `s${run}${(i + half) % USERS}`,
      ),
  );
  // Set-up: every user exists and is in its rooms before the clock starts.
  for (const u of users) await u.connect(pick(urls));
  for (const room of rooms) await users[0]!.request({ type: 'create', room });
  for (const u of users) for (const room of u.rooms) await u.request({ type: 'join', room });
  // Each DM exists from the start, so both people resume it at every hello: a channel left out
  // of `resume` starts live at its head (what came before is history, not delivery).
  for (const u of users.slice(0, half)) {
    const r = await u.request({ type: 'send', to: u.peer, text: 'hi', cid: `${u.name}-dm` });
    const m = (r.data as { message: { channel: string; seq: number } }).message;
    u.ledger.ack(m.channel, m.seq);
    users.find((p) => p.name === u.peer)!.ledger.know(m.channel);
  }
  await Promise.all(users.map((u) => u.close()));
  const db = join(dataDir, 'switchboard.db');
  const baseBytes = storeBytes(db);

  const samples: Sample[] = [];
  const t0 = Date.now();
  const sampler = setInterval(() => {
    samples.push({
      t: (Date.now() - t0) / 60_000,
      rssKb: nodes.map((n) => rssBytes(n.pid) / 1024),
      fds: nodes.map((n) => fdCount(n.pid)),
    });
  }, SAMPLE_MS);
  const progress = setInterval(() => {
    const sent = users.reduce((s, u) => s + u.sent, 0);
    const last = samples.at(-1);
    console.error(
      `soak: ${((Date.now() - t0) / 60_000).toFixed(1)} min, ${sent} sent, ${users.filter((u) => u.online).length} online, rss MB ${last?.rssKb.map((k) => (k / 1024).toFixed(0)).join('/') ?? '-'}`,
    );
  }, 30_000);
  await Promise.all(users.map((u) => churn(u, urls, t0 + MINUTES * 60_000)));
  clearInterval(sampler);
  clearInterval(progress);

  // Every user comes back once and must reach the head of each of its channels.
  for (const u of users) await u.connect(pick(urls));
  const heads = new Map<string, number>();
  const channelsOf = (u: SoakUser) => [
    ...new Set([...u.rooms.map((r) => `room:${r}`), ...u.ledger.channelIds()]),
  ];
  for (const u of users)
    for (const c of channelsOf(u)) {
      if (heads.has(c)) continue;
      const r = await u.request({ type: 'history', channel: c, limit: 1 });
      heads.set(c, (r.data as { lastSeq: number }).lastSeq);
    }
  const caughtUp = () =>
    users.every((u) => channelsOf(u).every((c) => u.ledger.position(c) >= heads.get(c)!));
  const until = Date.now() + 60_000;
  while (!caughtUp() && Date.now() < until) await sleep(200);
  let lost = 0;
  let duplicated = 0;
  for (const u of users)
    for (const c of channelsOf(u)) {
      const t = u.ledger.tally(c, heads.get(c)!);
      lost += t.lost;
      duplicated += t.duplicated;
    }
  await Promise.all(users.map((u) => u.close()));
  for (const n of nodes) await n.stop();
  await redis.dispose();
  const messages = [...heads.values()].reduce((s, h) => s + h, 0);
  const sent = users.reduce((s, u) => s + u.sent, 0);
  const bytesPerMessage = (storeBytes(db) - baseBytes) / messages;
  rmSync(dataDir, { recursive: true, force: true });

  const settled = samples.filter((s) => s.t >= MINUTES / 5);
  const perNode = nodes.map((_, i) => ({
    node: `soak${i}`,
    rssStartMb: (samples[0]?.rssKb[i] ?? NaN) / 1024,
    rssEndMb: (samples.at(-1)?.rssKb[i] ?? NaN) / 1024,
    rssSlopeKbPerMin: slope(settled.map((s) => [s.t, s.rssKb[i]!])),
    fdsStart: samples[0]?.fds[i] ?? NaN,
    fdsEnd: samples.at(-1)?.fds[i] ?? NaN,
    fdsMax: Math.max(...samples.map((s) => s.fds[i]!)),
  }));
  const summary = {
    minutes: MINUTES,
    users: USERS,
    sent,
    messages,
    bytesPerMessage,
    lost,
    duplicated,
  };
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  mkdirSync('bench/results', { recursive: true });
  const base = `bench/results/soak-${stamp}`;
  writeFileSync(`${base}.json`, `${JSON.stringify({ summary, perNode, samples }, null, 2)}\n`);
  writeFileSync(
    `${base}.svg`,
    svgChart([
      {
        title: `RSS per node (${USERS} users churning, ${MINUTES} min)`,
        xLabel: 'minutes',
        yLabel: 'RSS (MB)',
        series: nodes.map((_, i) => ({
          name: `soak${i}`,
          points: samples.map((s) => [s.t, s.rssKb[i]! / 1024] as [number, number]),
        })),
      },
      {
        title: 'Open file descriptors per node',
        xLabel: 'minutes',
        yLabel: 'fds',
        series: nodes.map((_, i) => ({
          name: `soak${i}`,
          points: samples.map((s) => [s.t, s.fds[i]!] as [number, number]),
        })),
      },
    ]),
  );
  console.log(`\nsoak: ${MINUTES} min, ${USERS} users, ${NODES} nodes + Redis, shared SQLite`);
  console.table(
    perNode.map((p) => ({
      node: p.node,
      'RSS start MB': p.rssStartMb.toFixed(1),
      'RSS end MB': p.rssEndMb.toFixed(1),
      'RSS slope KB/min': p.rssSlopeKbPerMin.toFixed(0),
      'fds start': p.fdsStart,
      'fds end': p.fdsEnd,
      'fds max': p.fdsMax,
    })),
  );
  console.log(
    `messages stored ${messages} (sent ${sent}); store ${bytesPerMessage.toFixed(0)} bytes/message; lost ${lost}; duplicated ${duplicated}`,
  );
  for (const u of users) for (const r of u.ledger.repeats) console.log(`repeat: ${u.name} ${r}`);
  console.log(`wrote ${base}.json and ${base}.svg`);
  process.exitCode = lost === 0 && duplicated === 0 ? 0 : 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
