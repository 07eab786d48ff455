/**
 * Heap snapshot diff per idle connection (`npx tsx bench/heap-diff.ts [--clients 2000]`).
 * Starts `switchboard serve` exactly as the bench does, takes a heap snapshot (SIGUSR2 with
 * `--heapsnapshot-signal`, which collects garbage first), connects N clients as the `idle`
 * scenario does (hello with a handle, join general), takes a second one, and prints the
 * constructors whose retained-by-nothing-else self size grew, in bytes per connection.
 * Extra Node flags for the server: BENCH_SWITCHBOARD_NODE_ARGS, as for `npm run bench`.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { WorkerPool } from './lib/pool.js';
import { f, table } from './lib/report.js';
import { startSwitchboard } from './lib/servers.js';

interface Snapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

type Summary = Map<string, { bytes: number; count: number }>;

/**
 * Self size and count by group: an object's constructor, or `(string)`, `(closure)`, …; with
 * `byRetainer`, the group is `<group> <- <retainer's group>.<edge>` (one retainer per node).
 */
function summarize(file: string, byRetainer: boolean): Summary {
  const s = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const { node_fields: fields, node_types, edge_fields, edge_types } = s.snapshot.meta;
  const types = node_types[0];
  const [ti, ni, si, ei] = ['type', 'name', 'self_size', 'edge_count'].map((x) =>
    fields.indexOf(x),
  ) as [number, number, number, number];
  const nf = fields.length;
  const ef = edge_fields.length;
  const [eti, eni, eto] = ['type', 'name_or_index', 'to_node'].map((x) =>
    edge_fields.indexOf(x),
  ) as [number, number, number];
  const groupOf = (i: number): string => {
    const type = types[s.nodes[i + ti]!] ?? '?';
    const name = s.strings[s.nodes[i + ni]!] ?? '?';
    if (type === 'object' || type === 'native') return name;
    if (type === 'closure') return byRetainer ? `(closure ${name})` : '(closure)';
    if (type === 'concatenated string' || type === 'sliced string') return '(string)';
    return byRetainer && type !== 'string' && type !== 'number'
      ? `(${type} ${name.slice(0, 40)})`
      : `(${type})`;
  };
  const retainer = new Map<number, string>();
  if (byRetainer) {
    let e = 0;
    for (let i = 0; i < s.nodes.length; i += nf) {
      const count = s.nodes[i + ei]!;
      for (let k = 0; k < count; k++, e += ef) {
        const to = s.edges[e + eto]!;
        const etype = edge_types[0][s.edges[e + eti]!];
        if (etype === 'weak' || retainer.has(to)) continue;
        const en = s.edges[e + eni]!;
        const label = etype === 'element' || etype === 'hidden' ? `[${etype}]` : s.strings[en];
        retainer.set(to, `${groupOf(i)}.${label}`);
      }
    }
  }
  const out: Summary = new Map();
  for (let i = 0; i < s.nodes.length; i += nf) {
    const group = byRetainer ? `${groupOf(i)} <- ${retainer.get(i) ?? '?'}` : groupOf(i);
    const g = out.get(group) ?? { bytes: 0, count: 0 };
    g.bytes += s.nodes[i + si]!;
    g.count += 1;
    out.set(group, g);
  }
  return out;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function snapshot(pid: number, dir: string): Promise<string> {
  const before = new Set(readdirSync(dir));
  process.kill(pid, 'SIGUSR2');
  for (let i = 0; i < 600; i++) {
    await sleep(200);
    const file = readdirSync(dir).find((x) => !before.has(x) && x.endsWith('.heapsnapshot'));
    if (file) {
      // complete once it parses (V8 writes it in chunks)
      const path = join(dir, file);
      for (let j = 0; j < 600; j++) {
        const text = readFileSync(path, 'utf8');
        if (text.trimEnd().endsWith('}')) {
          try {
            JSON.parse(text);
            break;
          } catch {
            // still being written
          }
        }
        await sleep(500);
      }
      return path;
    }
  }
  throw new Error('no heap snapshot within 120 s');
}

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '2000' },
    top: { type: 'string', default: '25' },
    retainers: { type: 'boolean', default: false },
  },
});
const n = Number(values.clients);
const dir = mkdtempSync(join(tmpdir(), 'sb-heap-'));
process.env['BENCH_SWITCHBOARD_NODE_ARGS'] =
  `${process.env['BENCH_SWITCHBOARD_NODE_ARGS'] ?? ''} --heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${dir}`;
const pool = new WorkerPool(2);
const server = await startSwitchboard();
try {
  await sleep(2000);
  const a = summarize(await snapshot(server.pid, dir), values.retainers);
  await pool.connect('switchboard', server.url, n, {
    concurrency: 100,
    resumeAfter: null,
    reconnect: false,
    timeoutMs: 120_000,
  });
  const ready = pool.totals().ready;
  await sleep(3000);
  const b = summarize(await snapshot(server.pid, dir), values.retainers);
  const rows = [...b]
    .map(([k, v]) => {
      const o = a.get(k) ?? { bytes: 0, count: 0 };
      return { k, bytes: (v.bytes - o.bytes) / ready, count: (v.count - o.count) / ready };
    })
    .sort((x, y) => y.bytes - x.bytes);
  const total = rows.reduce((s, r) => s + r.bytes, 0);
  const top = rows.slice(0, Number(values.top));
  console.log(
    table(
      ['constructor', 'B/conn', 'objects/conn'],
      top.map((r) => [r.k, f(r.bytes, 0), f(r.count, 2)]),
    ),
  );
  console.log(`${ready} connections: heap ${f(total, 0)} B/conn (self sizes, all groups)`);
} finally {
  await pool.closeClients().catch(() => undefined);
  await server.stop();
  pool.exit();
  rmSync(dir, { recursive: true, force: true });
}
