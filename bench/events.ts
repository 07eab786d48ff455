/**
 * The fan-out cost of an edit and of a reaction next to a plain message (part of a plain run; alone:
 * `--scenario events`): one Switchboard server, N clients in one room (in this process), a few
 * senders. Three phases of `ops` operations each, same rate: messages, edits of the senders' own
 * messages, reaction toggles on one message. Each phase waits until every client has every
 * frame (the sender's own in its reply), and server CPU from /proc over the phase gives CPU µs per
 * delivered frame: what an edit or a reaction costs the server against a message.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { cpuMs } from './lib/proc.js';
import { note, status } from './lib/progress.js';
import { f, table } from './lib/report.js';
import { startSwitchboard } from './lib/servers.js';

export type EventsScenarioName = 'events';
export const EVENTS_SCENARIOS: readonly EventsScenarioName[] = ['events'];

export interface EventsPhase {
  op: 'message' | 'edit' | 'reaction';
  ops: number;
  deliveries: number;
  expected: number;
  wallMs: number;
  serverCpuMs: number;
  cpuUsPerDelivery: number;
}

export interface EventsResult {
  scenario: EventsScenarioName;
  clients: number;
  senders: number;
  phases: EventsPhase[];
}

const ROOM = 'events';
const CHANNEL = `room:${ROOM}`;
const EMOJI = ['👍', '🎉', '👀', '🚀'];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Conn {
  ws: WebSocket;
  /** Frames of the running phase received (live, or the own reply). */
  got: number;
  nextId: number;
  /** seq of this client's seed message (senders only). */
  seed: number;
  pending: Map<number, (data: { message?: { seq: number } } | null) => void>;
}

/** What frame of the running phase a line is: counted by a substring, not a JSON parse. */
const MARKS: Record<EventsPhase['op'], string> = {
  message: '"cid":"m-',
  edit: '"edits":',
  reaction: 'reacts":',
};

async function open(url: string, n: number, phase: () => EventsPhase['op']): Promise<Conn> {
  const ws = new WebSocket(url);
  const c: Conn = { ws, got: 0, nextId: 1, seed: 0, pending: new Map() };
  ws.on('message', (data: Buffer) => {
    const mark = MARKS[phase()];
    for (const line of String(data).split('\n')) {
      if (line.startsWith('{"type":"ping"')) ws.send('{"type":"pong"}');
      else if (line.startsWith('{"type":"reply"')) {
        const f = JSON.parse(line) as { id: number; data: { message?: { seq: number } } | null };
        if (line.includes(mark)) c.got++;
        c.pending.get(f.id)?.(f.data);
        c.pending.delete(f.id);
      } else if (line.startsWith('{"type":"message"') && line.includes(mark)) c.got++;
      else if (line.startsWith('{"type":"error"')) throw new Error(`server said ${line}`);
    }
  });
  await new Promise<void>((res, rej) => {
    ws.once('open', () => res());
    ws.once('error', rej);
  });
  await call(c, { type: 'hello', protocol: 1, handle: `ev${n}`, presence: false });
  await call(c, { type: n === 0 ? 'create' : 'join', room: ROOM });
  return c;
}

function call(
  c: Conn,
  frame: Record<string, unknown>,
): Promise<{ message?: { seq: number } } | null> {
  const id = c.nextId++;
  return new Promise((res) => {
    c.pending.set(id, res);
    c.ws.send(JSON.stringify({ ...frame, id }));
  });
}

function post(c: Conn, frame: Record<string, unknown>): void {
  c.ws.send(JSON.stringify({ ...frame, id: c.nextId++ }));
}

export async function runEventsScenario(o: { scale: number }): Promise<EventsResult> {
  const clients = Math.max(10, Math.round(500 * o.scale));
  const senders = Math.min(20, clients);
  const ops = Math.max(100, Math.round(2000 * o.scale));
  const rate = 400;
  const server = await startSwitchboard({ tag: 'events' });
  let phase: EventsPhase['op'] = 'message';
  const conns: Conn[] = [];
  try {
    for (let n = 0; n < clients; n++) {
      conns.push(await open(`${server.url}/ws`, n, () => phase));
      if (n % 50 === 0) status(`events: ${n + 1}/${clients} clients in the room`);
    }
    // Each sender's own message to edit; sender 0's is the one everybody reacts to.
    for (const [k, c] of conns.slice(0, senders).entries()) {
      const r = await call(c, { type: 'send', room: ROOM, text: `seed ${k}`, cid: `seed-${k}` });
      c.seed = r?.message?.seq ?? 0;
    }
    await sleep(500);
    const toggles = new Map<string, boolean>();
    const frameOf = (op: EventsPhase['op'], i: number, k: number): Record<string, unknown> => {
      if (op === 'message') return { type: 'send', room: ROOM, text: `m ${i}`, cid: `m-${i}` };
      if (op === 'edit')
        return {
          type: 'edit',
          channel: CHANNEL,
          seq: conns[k]!.seed,
          text: `v${i}`,
          cid: `e-${i}`,
        };
      const emoji = EMOJI[Math.floor(i / senders) % EMOJI.length]!;
      const key = `${k} ${emoji}`;
      const on = !(toggles.get(key) ?? false);
      toggles.set(key, on);
      return { type: 'react', channel: CHANNEL, seq: conns[0]!.seed, emoji, on, cid: `r-${i}` };
    };
    const phases: EventsPhase[] = [];
    for (const op of ['message', 'edit', 'reaction'] as const) {
      phase = op;
      for (const c of conns) c.got = 0;
      const expected = ops * clients;
      const cpu0 = cpuMs(server.pid);
      const t0 = performance.now();
      for (let i = 0; i < ops; i++) {
        const k = i % senders;
        post(conns[k]!, frameOf(op, i, k));
        if (i % 20 === 19) await sleep((20 / rate) * 1000);
      }
      const deliveries = () => conns.reduce((sum, c) => sum + c.got, 0);
      const until = performance.now() + 60_000;
      while (deliveries() < expected && performance.now() < until) {
        status(`events/${op}: ${deliveries()}/${expected} delivered`);
        await sleep(100);
      }
      const wallMs = performance.now() - t0;
      const serverCpuMs = cpuMs(server.pid) - cpu0;
      const got = deliveries();
      phases.push({
        op,
        ops,
        deliveries: got,
        expected,
        wallMs,
        serverCpuMs,
        cpuUsPerDelivery: got > 0 ? (serverCpuMs * 1000) / got : 0,
      });
      note(`events/${op}: ${got}/${expected} delivered, ${serverCpuMs.toFixed(0)} ms server CPU`);
    }
    return { scenario: 'events', clients, senders, phases };
  } finally {
    for (const c of conns) c.ws.terminate();
    await server.stop();
  }
}

export function renderEvents(results: EventsResult[]): string {
  if (results.length === 0) return '';
  const rows = results.flatMap((r) => {
    const base = r.phases.find((p) => p.op === 'message')?.cpuUsPerDelivery ?? 0;
    return r.phases.map((p) => [
      p.op,
      `${r.clients}`,
      `${p.ops}`,
      `${((100 * p.deliveries) / p.expected).toFixed(1)}%`,
      f(p.cpuUsPerDelivery, 2),
      base > 0 ? `${f(p.cpuUsPerDelivery / base, 2)}x` : '-',
    ]);
  });
  return table(['events', 'clients', 'ops', 'delivered', 'CPU µs/deliv', 'vs message'], rows);
}
