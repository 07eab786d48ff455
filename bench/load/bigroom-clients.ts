/**
 * A client process of the big-room bench (bench/bigroom.ts): holds watchers (they count the
 * room-presence frames of `general`) or churners (they join and leave on an absolute schedule),
 * never both, so the churn keeps its pace however busy the watchers are. Plain `ws` clients.
 */
import WebSocket from 'ws';
import type { BigroomAnswer, BigroomCommand, ChurnReport, StatsReport } from './bigroom-ipc.js';

interface Client {
  ws: WebSocket;
  node: number;
  /** When each room-presence frame of `general` arrived (epoch ms), and the last counts. */
  frames: number[];
  members: number;
  online: number;
  /** Rooms this client is in, as far as its own joins and leaves say. */
  rooms: Set<string>;
  call(frame: Record<string, unknown>): Promise<Record<string, unknown>>;
}

const clients: Client[] = [];
const answer = (m: BigroomAnswer): void => void process.send?.(m);

function connect(url: string, node: number, handle: string): Promise<Client> {
  const ws = new WebSocket(`${url}/ws`);
  const waiting = new Map<number, (f: Record<string, unknown>) => void>();
  let nextId = 1;
  const c: Client = {
    ws,
    node,
    frames: [],
    members: -1,
    online: -1,
    rooms: new Set(['general']), // a new user is a member of general
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
      if (f.type === 'room-presence' && f.room === 'general') {
        c.frames.push(Date.now());
        c.members = f.members as number;
        c.online = f.online as number;
      } else if ((f.type === 'reply' || f.type === 'error') && typeof f.id === 'number') {
        waiting.get(f.id)?.(f);
        waiting.delete(f.id);
      } else if (f.type === 'ping') ws.send('{"type":"pong"}');
    }
  });
  return new Promise((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => {
      c.call({ type: 'hello', protocol: 1, handle }).then((r) => {
        if (r.type === 'error') reject(new Error(`hello ${handle}: ${JSON.stringify(r)}`));
        else resolve(c);
      }, reject);
    });
  });
}

async function connectAll(cmd: Extract<BigroomCommand, { t: 'connect' }>): Promise<void> {
  for (let i = cmd.from; i < cmd.to; i += 100) {
    const batch: Promise<Client>[] = [];
    for (let n = i; n < Math.min(cmd.to, i + 100); n++) {
      const node = n % cmd.urls.length;
      batch.push(connect(cmd.urls[node]!, node, `${cmd.prefix}${n}`));
    }
    clients.push(...(await Promise.all(batch)));
  }
}

/** See the `churn` command: one operation per slot, slots 1000/rate ms apart from startAt. */
function churn(cmd: Extract<BigroomCommand, { t: 'churn' }>): Promise<ChurnReport> {
  const { room, rate, startAt } = cmd;
  const churners = clients.slice(cmd.skip);
  for (const c of churners) {
    if (cmd.inRoom) c.rooms.add(room);
    else c.rooms.delete(room);
  }
  const period = 1000 / rate;
  const asked = Math.round(cmd.seconds * rate);
  const idle = [...churners];
  let issued = 0;
  let done = 0;
  let errors = 0;
  let end = startAt;
  const lag = { sum: 0, max: 0 };
  const rtt = { sum: 0, max: 0 };
  let timer: NodeJS.Timeout | undefined;
  return new Promise((resolve) => {
    const finish = (): void =>
      resolve({
        t: 'churned',
        id: 0,
        asked,
        ops: done - errors,
        errors,
        start: startAt,
        end,
        lagMeanMs: lag.sum / Math.max(1, issued),
        lagMaxMs: lag.max,
        rttMeanMs: rtt.sum / Math.max(1, done),
        rttMaxMs: rtt.max,
        inRoom: churners.filter((c) => c.rooms.has(room)).length,
      });
    const one = (c: Client, now: number): void => {
      const late = now - (startAt + issued * period);
      lag.sum += late;
      lag.max = Math.max(lag.max, late);
      issued++;
      const joined = c.rooms.has(room);
      void c.call({ type: joined ? 'leave' : 'join', room }).then((reply) => {
        const t = Date.now();
        rtt.sum += t - now;
        rtt.max = Math.max(rtt.max, t - now);
        end = t;
        done++;
        if (reply.type === 'error') errors++;
        else if (joined) c.rooms.delete(room);
        else c.rooms.add(room);
        idle.push(c);
        if (done === asked) finish();
        else dispatch();
      });
    };
    // Sends every operation whose slot has come, as far as idle churners allow; the rest go
    // when a reply frees a churner (dispatch runs again) or at the next slot (the timer).
    const dispatch = (): void => {
      const now = Date.now();
      const due = Math.min(asked, Math.floor((now - startAt) / period) + 1);
      while (issued < due && idle.length > 0) one(idle.shift()!, now);
      clearTimeout(timer);
      if (issued < asked && issued >= due)
        timer = setTimeout(dispatch, startAt + issued * period - now);
    };
    if (asked === 0) finish();
    else timer = setTimeout(dispatch, startAt - Date.now());
  });
}

function stats(from: number, to: number): Omit<StatsReport, 'id'> {
  let framesMax = 0;
  let framesSum = 0;
  let minGapMs = Infinity;
  let shortGaps = 0;
  const last = new Map<string, [number, number, number, number]>();
  for (const c of clients) {
    const during = c.frames.filter((at) => at >= from && at <= to);
    framesMax = Math.max(framesMax, during.length);
    framesSum += during.length;
    let gap = Infinity;
    for (let i = 1; i < during.length; i++) gap = Math.min(gap, during[i]! - during[i - 1]!);
    minGapMs = Math.min(minGapMs, gap);
    if (gap < 500) shortGaps++;
    const key = `${c.node} ${c.members} ${c.online}`;
    const row = last.get(key) ?? [c.node, c.members, c.online, 0];
    row[3]++;
    last.set(key, row);
  }
  return {
    t: 'stats',
    watchers: clients.length,
    framesMax,
    framesSum,
    minGapMs,
    shortGaps,
    last: [...last.values()],
  };
}

async function handle(m: BigroomCommand): Promise<void> {
  if (m.t === 'exit') {
    for (const c of clients) c.ws.terminate();
    process.exit(0);
  }
  try {
    if (m.t === 'connect') {
      await connectAll(m);
      answer({ t: 'connected', id: m.id, clients: clients.length });
    } else if (m.t === 'call')
      answer({ t: 'called', id: m.id, reply: await clients[0]!.call(m.frame) });
    else if (m.t === 'churn') answer({ ...(await churn(m)), id: m.id });
    else answer({ ...stats(m.from, m.to), id: m.id });
  } catch (e) {
    answer({ t: 'failed', id: m.id, error: e instanceof Error ? e.message : String(e) });
  }
}

process.on('message', (m: BigroomCommand) => void handle(m));
