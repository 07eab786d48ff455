/**
 * Two Switchboard nodes, Redis and PostgreSQL, each in its own network namespace, joined by veth
 * pairs, with latency and loss on the links between the nodes and the broker, latency on their
 * links to the database, then a partition: one node cut off from the broker by nftables while
 * its clients and its database link stay up.
 *
 * - Latency: this kernel may lack the netem qdisc, so the broker is reached through a relay in
 *   its namespace that delays every chunk by DELAY_MS each way (test/helpers/delay-relay.ts).
 * - Loss: nftables drops LOSS_PERCENT of the packets on each node's broker link, both ways
 *   (`numgen random mod 100 < N drop`); TCP retransmits.
 * - Store: one PostgreSQL server in the `db` namespace (trust auth for the links' addresses),
 *   reached by each node over its own veth link through a relay that adds DB_DELAY_MS each way.
 *   The partition cuts the bus only.
 *
 * Asserts that the cut node's clients are told (its /readyz turns 503, they are closed with
 * 4005 and reconnect to the other node), that the node recovers after healing, and that every
 * message sent during the whole run reaches every member of its channel exactly once, by seq,
 * across all the connections each member had.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { spawnSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { initPostgresCluster, postgresBinary } from '../helpers/brokers/postgres.js';
import { redisBinary, redisServerArgs } from '../helpers/brokers/redis.js';
import { NetnsLab, netnsSkip, type Link, type Netns } from '../helpers/netns.js';
import { startServer, type ServerHandle } from '../helpers/server.js';
import { WsTestClient } from '../helpers/ws-client.js';

const DELAY_MS = 15;
const DB_DELAY_MS = 5;
const LOSS_PERCENT = 3;
const SEND_EVERY_MS = 120;
const BUS_LOST_CLOSE_MS = 2000;
const RELAY = resolve(import.meta.dirname, '../helpers/delay-relay.ts');

const skip = netnsSkip() || redisBinary().skip || postgresBinary().skip;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function eventually(
  check: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs: number,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out: ${what}`);
    await sleep(100);
  }
}

/** Waits for a line on a child's stdout (bounded). */
function lineFrom(child: ChildProcess, text: string, timeoutMs: number): Promise<void> {
  return new Promise((res, rej) => {
    let out = '';
    const timer = setTimeout(
      () => rej(new Error(`no "${text}" in ${timeoutMs} ms: ${out}`)),
      timeoutMs,
    );
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes(text)) {
        clearTimeout(timer);
        res();
      }
    });
  });
}

const dropTable = (name: string, dev: string, rule: string) => `
table inet ${name} {
  chain in { type filter hook input priority -10; iifname "${dev}" ${rule} drop; }
  chain out { type filter hook output priority -10; oifname "${dev}" ${rule} drop; }
}`;

/** One simulated user: every connection it had, and the seqs its own sends were stored at. */
interface Member {
  name: string;
  token: string;
  /** Index of the node it connects to now. */
  node: number;
  conns: WsTestClient[];
  /** Close codes of its connections, in order. */
  closes: number[];
  /** Channel → seqs of its own sends (answered by the reply, never as a frame). */
  acks: Map<string, Set<number>>;
  /** DM peer's name, when it has one. */
  peer: string | null;
  sent: number;
}

function delivered(m: Member, channel: string): Map<number, number> {
  const seen = new Map<number, number>();
  for (const c of m.conns)
    for (const f of c.messages(channel))
      seen.set(f.seq as number, (seen.get(f.seq as number) ?? 0) + 1);
  return seen;
}

/** The highest seq up to which the member holds every message of the channel (its position). */
function position(m: Member, channel: string): number {
  const seen = delivered(m, channel);
  const own = m.acks.get(channel) ?? new Set<number>();
  let p = 0;
  while (seen.has(p + 1) || own.has(p + 1)) p++;
  return p;
}

describe(
  'a cluster across network namespaces, with latency, loss and a partition',
  { skip },
  () => {
    let lab: NetnsLab;
    let nodeNs: Netns[] = [];
    let busLinks: Link[] = [];
    let clientLinks: Link[] = [];
    const procs: ChildProcess[] = [];
    const nodes: ServerHandle[] = [];
    const members: Member[] = [];
    let dataDir = '';
    let pgDir = '';
    /** Messages stored in the `db` namespace's PostgreSQL (psql there). */
    let storedInDb: () => number = () => NaN;
    let stopping = false;

    const readyz = async (i: number) =>
      (await fetch(`${nodes[i]!.url}/readyz`, { signal: AbortSignal.timeout(3000) })).status;

    before(async () => {
      lab = new NetnsLab();
      const broker = lab.namespace('br');
      nodeNs = [lab.namespace('n1'), lab.namespace('n2')];
      clientLinks = nodeNs.map((ns) => lab.link(null, ns));
      busLinks = nodeNs.map((ns) => lab.link(ns, broker));
      for (const [i, ns] of nodeNs.entries())
        ns.nft(dropTable('sbloss', busLinks[i]!.a, `numgen random mod 100 < ${LOSS_PERCENT}`));
      dataDir = mkdtempSync(join(tmpdir(), 'sb-netns-'));
      const redis = broker.spawn(redisBinary().path, redisServerArgs(6379, dataDir));
      procs.push(redis);
      await eventually(
        () => broker.exec('redis-cli', ['-p', '6379', 'ping']) === 0,
        'redis up',
        10_000,
      );
      const relay = broker.spawn(process.execPath, [
        '--import',
        'tsx',
        RELAY,
        '7000',
        '127.0.0.1',
        '6379',
        String(DELAY_MS),
      ]);
      procs.push(relay);
      await lineFrom(relay, 'relay listening', 20_000);
      const store = await startDatabase(lab.namespace('db'));
      for (const [i, ns] of nodeNs.entries()) {
        nodes.push(
          await startServer({
            dataDir,
            host: clientLinks[i]!.addrB,
            wrap: ns.prefix,
            args: [
              '--bus',
              `redis://${busLinks[i]!.addrB}:7000`,
              '--node-id',
              `n${i + 1}`,
              '--store',
              store(i),
              '--bus-lost-close',
              String(BUS_LOST_CLOSE_MS),
              '--rate-limit',
              '100000',
              '--rate-burst',
              '100000',
            ],
          }),
        );
      }
    });

    after(async () => {
      stopping = true;
      for (const m of members) for (const c of m.conns) c.close();
      await Promise.all(
        nodes.map((n) => Promise.race([n.stop(), sleep(8000).then(() => n.kill())])),
      );
      for (const p of procs) p.kill('SIGKILL');
      lab?.dispose();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
      if (pgDir) rmSync(pgDir, { recursive: true, force: true });
    });

    /**
     * PostgreSQL in `db` (as the postgres user: `ip netns exec` then setpriv exec it, so the pid
     * procs kill is the postmaster's), a delaying relay in front of it, a link from each node's
     * namespace; resolves with each node's store URL.
     */
    async function startDatabase(db: Netns): Promise<(node: number) => string> {
      const links = nodeNs.map((ns) => lab.link(ns, db));
      const pg = initPostgresCluster();
      pgDir = pg.dir;
      appendFileSync(`${pg.data}/pg_hba.conf`, 'host all all 0.0.0.0/0 trust\n');
      const as =
        pg.ids.uid === undefined
          ? []
          : ['setpriv', `--reuid=${pg.ids.uid}`, `--regid=${pg.ids.gid}`, '--init-groups'];
      const postgres = `${pg.binDir}/postgres`;
      const args = ['-D', pg.data, '-p', '5432', '-k', pg.dir, '-c', 'listen_addresses=*'];
      // fsync off as in every test cluster: a killed process loses nothing the OS already has.
      args.push('-c', 'fsync=off', '-c', 'full_page_writes=off');
      procs.push(
        as.length > 0
          ? db.spawn(as[0]!, [...as.slice(1), postgres, ...args])
          : db.spawn(postgres, args),
      );
      const [ready, readyArgs] = pg.tool('pg_isready', ['-h', '127.0.0.1', '-p', '5432']);
      await eventually(() => db.exec(ready, readyArgs) === 0, 'postgres up', 30_000);
      const [createdb, createArgs] = pg.tool('createdb', [
        '-h',
        '127.0.0.1',
        '-p',
        '5432',
        '-U',
        'postgres',
        'switchboard',
      ]);
      assert.equal(db.exec(createdb, createArgs), 0, 'createdb in the db namespace');
      const relay = db.spawn(process.execPath, [
        '--import',
        'tsx',
        RELAY,
        '6432',
        '127.0.0.1',
        '5432',
        String(DB_DELAY_MS),
      ]);
      procs.push(relay);
      await lineFrom(relay, 'relay listening', 20_000);
      const [psql, psqlArgs] = pg.tool('psql', ['-h', '127.0.0.1', '-p', '5432', '-U', 'postgres']);
      storedInDb = () => {
        const count = 'SELECT count(*) FROM messages';
        const r = spawnSync(
          db.prefix[0]!,
          [...db.prefix.slice(1), psql, ...psqlArgs, '-d', 'switchboard', '-tAc', count],
          { encoding: 'utf8' },
        );
        return Number(r.stdout.trim());
      };
      return (node) => `postgres://postgres@${links[node]!.addrB}:6432/switchboard`;
    }

    async function connect(m: Member, node: number, hello: Record<string, unknown>): Promise<void> {
      const c = await WsTestClient.connect(nodes[node]!.wsUrl);
      const data = await c.hello(hello, 10_000);
      m.token = data.token as string;
      m.conns.push(c);
      m.node = node;
    }

    /** Resumes every channel of the member from its position, on `node`; retried (bounded). */
    async function reconnect(m: Member, node: number): Promise<void> {
      const until = Date.now() + 30_000;
      for (;;) {
        const resume = [...m.acks.keys()].map((channel) => ({
          channel,
          after: position(m, channel),
        }));
        try {
          return await connect(m, node, { token: m.token, resume });
        } catch (err) {
          if (Date.now() > until) throw err;
          await sleep(300);
        }
      }
    }

    /** The connection now, reconnected first when closed: 4005 sends it to the other node. */
    async function current(m: Member): Promise<WsTestClient> {
      const c = m.conns.at(-1)!;
      if (c.closeCode === null) return c;
      m.closes.push(c.closeCode);
      await reconnect(m, c.closeCode === 4005 ? 1 - m.node : m.node);
      return m.conns.at(-1)!;
    }

    /** Sends once per cid, retried like the SDK's outbox (same cid) until stored. */
    async function send(m: Member, target: Record<string, unknown>, cid: string): Promise<void> {
      const until = Date.now() + 60_000;
      for (;;) {
        const c = await current(m);
        const r = await c
          .request({ type: 'send', ...target, text: cid, cid }, 10_000)
          .catch(() => null);
        if (r?.type === 'reply') {
          const data = (r.data as { message: { channel: string; seq: number } }).message;
          let own = m.acks.get(data.channel);
          if (!own) m.acks.set(data.channel, (own = new Set()));
          own.add(data.seq);
          return;
        }
        if (r?.type === 'error' && r.retryable !== true)
          throw new Error(`${m.name}: ${String(r.code)}`);
        if (Date.now() > until) throw new Error(`${m.name}: ${cid} never stored`);
        await sleep(200);
      }
    }

    async function drive(m: Member, room: string): Promise<void> {
      for (let i = 0; !stopping; i++) {
        const dm = m.peer !== null && i % 3 === 2;
        await send(m, dm ? { to: m.peer } : { room }, `${m.name}-${i}`);
        m.sent++;
        await sleep(SEND_EVERY_MS);
      }
    }

    it('tells the cut node’s clients, heals, and delivers every message exactly once', async () => {
      const room = `net${lab.id}`;
      const names = ['a', 'b', 'c', 'd', 'e', 'f'].map((x) => `${x}${lab.id}`);
      for (const [i, name] of names.entries()) {
        const m: Member = {
          name,
          token: '',
          node: 0,
          conns: [],
          closes: [],
          acks: new Map(),
          peer: null,
          sent: 0,
        };
        await connect(m, i < 3 ? 0 : 1, { handle: name });
        members.push(m);
      }
      // DMs across the partition: a-d, b-e, c-f.
      for (let i = 0; i < 3; i++) {
        members[i]!.peer = names[i + 3]!;
        members[i + 3]!.peer = names[i]!;
      }
      await members[0]!.conns[0]!.call({ type: 'create', room });
      for (const m of members.slice(1)) await m.conns[0]!.call({ type: 'join', room });
      await sleep(500);
      stopping = false;
      const drivers = members.map((m) => drive(m, room));
      const failed = Promise.race(drivers.map((d) => d.then(() => new Promise<never>(() => {}))));

      const phase = (p: Promise<void>) => Promise.race([p, failed]);
      // Steady traffic over the lossy, slow links.
      await phase(sleep(3000));
      // Partition: node 1 loses the broker; its clients keep their link to it.
      nodeNs[0]!.nft(dropTable('sbcut', busLinks[0]!.a, ''));
      const cutAt = Date.now();
      await phase(
        eventually(async () => (await readyz(0)) === 503, 'the cut node reports not ready', 20_000),
      );
      const noticedMs = Date.now() - cutAt;
      assert.equal(await readyz(1), 200, 'the other node stays ready');
      const cut = members.filter((m) => m.conns[0]!.closeCode === null && m.node === 0);
      await phase(
        eventually(
          () =>
            cut.every((m) => m.closes.includes(4005) || m.conns.some((c) => c.closeCode === 4005)),
          'clients of the cut node closed with 4005',
          20_000,
        ),
      );
      await phase(sleep(2000));
      // Heal; bring two members back to the healed node.
      nodeNs[0]!.nft('delete table inet sbcut');
      await phase(
        eventually(async () => (await readyz(0)) === 200, 'the healed node is ready again', 30_000),
      );
      for (const m of members.slice(0, 2)) {
        m.node = 0;
        m.conns.at(-1)!.close();
      }
      await phase(sleep(3000));
      stopping = true;
      await Promise.all(drivers);

      // Every member holds every seq of each of its channels exactly once, across its connections.
      const violations: string[] = [];
      const reader = await current(members[5]!);
      const channels = new Set(members.flatMap((m) => [...m.acks.keys()]));
      for (const channel of channels) {
        const { lastSeq } = await reader
          .call<{ lastSeq: number }>({ type: 'history', channel, limit: 1 })
          .catch(async () =>
            // A DM reader must be one of its two members.
            (await current(members.find((m) => m.acks.has(channel))!)).call<{ lastSeq: number }>({
              type: 'history',
              channel,
              limit: 1,
            }),
          );
        const holders = channel.startsWith('room:')
          ? members
          : members.filter((m) => channel.includes(m.name));
        for (const m of holders) {
          await eventually(
            () => position(m, channel) >= lastSeq,
            `${m.name} reaches ${channel} ${lastSeq}`,
            30_000,
          ).catch(() => {});
          const seen = delivered(m, channel);
          const twice = [...seen].filter(([, n]) => n > 1).map(([s]) => s);
          if (twice.length > 0)
            violations.push(`${m.name} ${channel}: twice ${twice.slice(0, 5).join()}`);
          const missing: number[] = [];
          for (let s = 1; s <= lastSeq; s++)
            if (!seen.has(s) && !m.acks.get(channel)?.has(s)) missing.push(s);
          if (missing.length > 0)
            violations.push(
              `${m.name} ${channel}: missing ${missing.length}, first ${missing.slice(0, 5).join()}`,
            );
        }
      }
      const sent = members.reduce((n, m) => n + m.sent, 0);
      const dmCount = [...channels].filter((c) => c.startsWith('dm:')).length;
      console.log(
        `netns: ${sent} messages in ${channels.size} channels, cut noticed in ${noticedMs} ms, closes ${JSON.stringify(members.map((m) => m.closes))}`,
      );
      assert.deepEqual(violations, []);
      assert.equal(dmCount, 3, 'three DM conversations');
      assert.ok(sent > 200, `enough traffic (${sent})`);
      assert.equal(storedInDb(), sent, 'every message is in the db namespace’s PostgreSQL');
    });
  },
);
