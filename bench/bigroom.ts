/**
 * `npm run bench -- --scenario bigroom` (issue #10 §4, big rooms): `general` seeded with 100,000
 * members straight into the SQLite file before start, `serve --workers 2`, 15,000 × scale
 * watchers connected (spread over the workers by the OS), and churners driving ~1,000 × scale
 * joins and leaves per second. Measures the room-presence frames each watcher gets per second
 * (must be <= 1), the server's CPU per join/leave (over an idle window of the same length, same
 * run), and whether every watcher's last counts (so every worker's) equal the truth at the end.
 *
 * The clients run in this process (plain `ws`): a watcher only counts frames.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { openStore } from '../src/store/open-store.js';
import { cpuMs, descendantsCpuMs } from './lib/proc.js';
import { note } from './lib/progress.js';
import { SWITCHBOARD_MAIN, startSwitchboard } from './lib/servers.js';

export const BIGROOM_SCENARIOS = ['bigroom'] as const;
export type BigroomScenarioName = (typeof BIGROOM_SCENARIOS)[number];

export interface BigroomResult {
  scenario: 'bigroom';
  seeded: number;
  watchers: number;
  churners: number;
  seconds: number;
  /** Joins and leaves done in the churn window, and per second. */
  ops: number;
  opsPerSec: number;
  /** room-presence frames per watcher per second in the churn window. */
  framesPerSecMax: number;
  framesPerSecMean: number;
  /** The shortest time between two room-presence frames of one watcher (ms). */
  minGapMs: number;
  /** Server CPU (both workers and the primary) per join/leave, over the idle window's. */
  cpuUsPerOp: number;
  cpuMsChurn: number;
  cpuMsIdle: number;
  /** The same churn in a room of a few members with no watchers (same run). */
  smallRoomCpuUsPerOp: number;
  truth: { members: number; online: number };
  /** Watchers whose last frame matched the truth, of all watchers. */
  exact: number;
  seedMs: number;
}

const SEED = 100_000;
const SECONDS = 10;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Straight into the database, one transaction: the store API would take a write per member. */
async function seed(dataDir: string, n: number): Promise<void> {
  const store = await openStore('', { dataDir });
  await store.close();
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(join(dataDir, 'switchboard.db'));
  const insert = db.prepare(
    `INSERT INTO members (channel, user, read_seq, joined_at, floor_seq)
     VALUES ('room:general', ?, 0, 0, 0)`,
  );
  db.transaction(() => {
    for (let i = 0; i < n; i++) insert.run(`seed${String(i).padStart(6, '0')}`);
  })();
  db.close();
}

interface Client {
  ws: WebSocket;
  frames: { at: number; members: number; online: number }[];
  call(frame: Record<string, unknown>): Promise<unknown>;
}

function connect(url: string, handle: string): Promise<Client> {
  const ws = new WebSocket(`${url}/ws`);
  const waiting = new Map<number, (v: unknown) => void>();
  let nextId = 1;
  const c: Client = {
    ws,
    frames: [],
    call: (frame) =>
      new Promise((resolve) => {
        const id = nextId++;
        waiting.set(id, resolve);
        ws.send(JSON.stringify({ ...frame, id }));
      }),
  };
  ws.on('message', (data: Buffer) => {
    for (const line of String(data).split('\n')) {
      const f = JSON.parse(line) as Record<string, unknown>;
      if (f.type === 'room-presence' && f.room === 'general')
        c.frames.push({ at: Date.now(), members: f.members as number, online: f.online as number });
      else if ((f.type === 'reply' || f.type === 'error') && typeof f.id === 'number') {
        waiting.get(f.id)?.(f);
        waiting.delete(f.id);
      } else if (f.type === 'ping') ws.send('{"type":"pong"}');
    }
  });
  return new Promise((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => {
      c.call({ type: 'hello', protocol: 1, handle }).then(() => resolve(c), reject);
    });
  });
}

async function connectAll(url: string, prefix: string, n: number): Promise<Client[]> {
  const out: Client[] = [];
  for (let i = 0; i < n; i += 100) {
    const batch = [];
    for (let j = i; j < Math.min(n, i + 100); j++) batch.push(connect(url, `${prefix}${j}`));
    out.push(...(await Promise.all(batch)));
  }
  return out;
}

interface Churn {
  start: number;
  end: number;
  ops: number;
  cpuMs: number;
  inRoom: Set<Client>;
}

/** Each churner alternates leave and join of `room`; together `rate` operations a second. */
async function churn(
  churners: Client[],
  room: string,
  inRoom: Set<Client>,
  rate: number,
  cpu: () => number,
): Promise<Churn> {
  const gapMs = (churners.length * 1000) / rate;
  let ops = 0;
  const start = Date.now();
  const cpu0 = cpu();
  const until = start + SECONDS * 1000;
  await Promise.all(
    churners.map(async (c, i) => {
      await sleep((i * gapMs) / churners.length);
      while (Date.now() < until) {
        const next = Date.now() + gapMs;
        const joined = inRoom.has(c);
        await c.call({ type: joined ? 'leave' : 'join', room });
        if (joined) inRoom.delete(c);
        else inRoom.add(c);
        ops++;
        await sleep(Math.max(0, next - Date.now()));
      }
    }),
  );
  return { start, end: Date.now(), ops, cpuMs: cpu() - cpu0, inRoom };
}

export async function runBigroomScenario(scale: number): Promise<BigroomResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-bigroom-'));
  const t0 = Date.now();
  await seed(dataDir, SEED);
  const seedMs = Date.now() - t0;
  note(`bigroom: seeded ${SEED} members in ${seedMs} ms`);
  const server = await startSwitchboard({ dataDir, args: ['--workers', '2'] });
  const cpu = (): number => cpuMs(server.pid) + descendantsCpuMs(server.pid, []);
  try {
    const watchers = await connectAll(server.url, 'w', Math.round(15_000 * scale));
    const churners = await connectAll(server.url, 'c', Math.max(2, Math.round(100 * scale)));
    note(`bigroom: ${watchers.length} watchers and ${churners.length} churners in general`);
    await sleep(3000);
    const idle0 = cpu();
    await sleep(SECONDS * 1000);
    const cpuMsIdle = cpu() - idle0;
    const big = await churn(churners, 'general', new Set(churners), 1000 * scale, cpu);
    const { start, end, ops, inRoom } = big;
    const cpuMsChurn = big.cpuMs;
    await sleep(2500);
    const seconds = (end - start) / 1000;
    let max = 0;
    let sum = 0;
    let minGapMs = Infinity;
    for (const w of watchers) {
      const during = w.frames.filter((f) => f.at >= start && f.at <= end + 1000);
      const perSec = during.length / (seconds + 1);
      max = Math.max(max, perSec);
      sum += perSec;
      for (let i = 1; i < w.frames.length; i++)
        minGapMs = Math.min(minGapMs, w.frames[i]!.at - w.frames[i - 1]!.at);
    }
    const truth = {
      members: SEED + watchers.length + inRoom.size,
      online: watchers.length + inRoom.size,
    };
    const exact = watchers.filter((w) => {
      const last = w.frames.at(-1);
      return last?.members === truth.members && last.online === truth.online;
    }).length;
    // The same churn in a room of a few members, same run: the per-operation cost to compare.
    await churners[0]!.call({ type: 'create', room: 'small' });
    const small = await churn(churners.slice(1), 'small', new Set(), 1000 * scale, cpu);
    for (const c of [...watchers, ...churners]) c.ws.terminate();
    return {
      scenario: 'bigroom',
      seeded: SEED,
      watchers: watchers.length,
      churners: churners.length,
      seconds,
      ops,
      opsPerSec: ops / seconds,
      framesPerSecMax: max,
      framesPerSecMean: sum / watchers.length,
      minGapMs,
      cpuUsPerOp: ((cpuMsChurn - cpuMsIdle * (seconds / SECONDS)) * 1000) / Math.max(1, ops),
      cpuMsChurn,
      cpuMsIdle,
      smallRoomCpuUsPerOp:
        ((small.cpuMs - cpuMsIdle * ((small.end - small.start) / 1000 / SECONDS)) * 1000) /
        Math.max(1, small.ops),
      truth,
      exact,
      seedMs,
    };
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Runs the scenario, prints its table and writes bench/results/bigroom-<time>.json. */
export async function runBigroom(scale: number): Promise<void> {
  if (!existsSync(SWITCHBOARD_MAIN)) throw new Error(`${SWITCHBOARD_MAIN} missing: npm run build`);
  const startedAt = new Date();
  const result = await runBigroomScenario(scale);
  console.log(renderBigroom(result));
  const json = { startedAt: startedAt.toISOString(), scale, loadavg: loadavg(), result };
  mkdirSync('bench/results', { recursive: true });
  const file = `bench/results/bigroom-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
  console.log(`wrote ${file}`);
}

export function renderBigroom(r: BigroomResult): string {
  const rows: [string, string][] = [
    ['members seeded (ms)', `${r.seeded} (${r.seedMs})`],
    ['watchers / churners', `${r.watchers} / ${r.churners}`],
    ['joins+leaves', `${r.ops} in ${r.seconds.toFixed(1)} s (${r.opsPerSec.toFixed(0)}/s)`],
    [
      'room-presence frames/s per watcher',
      `max ${r.framesPerSecMax.toFixed(2)}, mean ${r.framesPerSecMean.toFixed(2)}`,
    ],
    ['shortest gap between frames (ms)', String(r.minGapMs)],
    ['server CPU ms churn / idle', `${r.cpuMsChurn.toFixed(0)} / ${r.cpuMsIdle.toFixed(0)}`],
    ['server CPU µs per join/leave', r.cpuUsPerOp.toFixed(0)],
    ['… in a room of 10 members, no watchers', r.smallRoomCpuUsPerOp.toFixed(0)],
    ['truth members / online', `${r.truth.members} / ${r.truth.online}`],
    ['watchers with exact counts', `${r.exact} of ${r.watchers}`],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  return ['bigroom', ...rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`)].join('\n');
}
