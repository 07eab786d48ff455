/**
 * The multi-node end-to-end suite, run against every bus: three node processes sharing a store
 * and a bus, clients on different nodes. Each bus's test file calls `clusterSuite` with how to
 * get its backend; `broker` (when given) is killed and restarted in the failure case.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Broker } from '../helpers/brokers/common.js';
import { freePort } from '../helpers/brokers/common.js';
import { SECRET, sign } from '../helpers/jwt.js';
import { startServer, type ServerHandle } from '../helpers/server.js';
import { WsTestClient, type Frame } from '../helpers/ws-client.js';
import { newcomersDuringFlood, resumeThroughNodeRestarts, type SeamCluster } from './seam-cases.js';

export interface ClusterBackend {
  /** Bus URL (or 'mesh'). */
  bus: string;
  /** Store URL; default the shared embedded SQLite file. */
  store?: string;
  /** The broker process, for the failure case; absent for the mesh. */
  broker?: Broker;
  /**
   * Whether the store goes down with `broker` (PostgreSQL as bus and store); default: when
   * `store` is the broker's url.
   */
  storeOnBroker?: boolean;
  /** Node processes; default 3. */
  nodes?: number;
}

const PRESENCE_TTL = 2000;

export async function nodeArgs(
  backend: ClusterBackend,
  index: number,
  meshPorts: number[],
): Promise<string[]> {
  const args = [
    '--bus',
    backend.bus,
    '--node-id',
    `n${index}`,
    '--presence-ttl',
    String(PRESENCE_TTL),
    '--presence-heartbeat',
    '300',
    // Server admins connect with a JWT carrying roles: ['admin'].
    '--jwt-secret',
    SECRET,
    // The seam cases flood from one connection.
    '--rate-limit',
    '100000',
    '--rate-burst',
    '100000',
  ];
  if (backend.store) args.push('--store', backend.store);
  if (backend.bus === 'mesh') {
    args.push(
      '--mesh-listen',
      `127.0.0.1:${meshPorts[index]}`,
      '--mesh-peers',
      meshPorts.map((p) => `127.0.0.1:${p}`).join(','),
      '--mesh-secret',
      'test-secret-at-least-16',
    );
  }
  return args;
}

async function busReceived(node: ServerHandle): Promise<number> {
  const text = await (await fetch(`${node.url}/metrics`)).text();
  const m = /^switchboard_bus_messages_received_total (\d+)/m.exec(text);
  return Number(m?.[1] ?? 0);
}

async function eventually(
  check: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function onlineAt(c: WsTestClient): Promise<Map<string, number>> {
  const data = await c.call<{ users: { user: string; connections: number }[] }>({ type: 'users' });
  return new Map(data.users.map((u) => [u.user, u.connections]));
}

export function clusterSuite(
  name: string,
  setup: () => Promise<ClusterBackend | null>,
  teardown: () => Promise<void>,
  skip: string | false,
): void {
  describe(`cluster over ${name}`, { skip }, () => {
    let backend: ClusterBackend;
    let dataDir: string;
    let meshPorts: number[];
    const nodes: ServerHandle[] = [];
    const clients: WsTestClient[] = [];
    let unique = 0;
    const handle = (p: string) => `${p}${name.replace(/\W/g, '').slice(0, 4)}${unique++}`;

    async function connect(
      node: ServerHandle,
      extra: Record<string, unknown>,
      timeoutMs?: number,
    ): Promise<WsTestClient> {
      const c = await WsTestClient.connect(node.wsUrl);
      clients.push(c);
      await c.hello(extra, timeoutMs);
      return c;
    }

    async function startNode(i: number): Promise<ServerHandle> {
      return startServer({ dataDir, args: await nodeArgs(backend, i, meshPorts) });
    }

    before(async () => {
      const b = await setup();
      if (!b) throw new Error('backend setup failed');
      backend = b;
      dataDir = mkdtempSync(join(tmpdir(), 'sb-cluster-'));
      const count = backend.nodes ?? 3;
      meshPorts = [];
      for (let i = 0; i < count; i++) meshPorts.push(await freePort());
      for (let i = 0; i < count; i++) nodes.push(await startNode(i));
      // Let mesh links and presence snapshots settle.
      await new Promise((r) => setTimeout(r, 500));
    });

    after(async () => {
      for (const c of clients) c.close();
      await Promise.all(nodes.map((n) => n.stop()));
      rmSync(dataDir, { recursive: true, force: true });
      await teardown();
    });

    const seam: SeamCluster = {
      nodes,
      connect,
      handle,
      restart: async (i, how) => {
        await (how === 'kill' ? nodes[i]!.kill() : nodes[i]!.stop());
        nodes[i] = await startNode(i);
      },
    };

    it('throttles wrong passwords for one account cluster-wide, not once per node', async () => {
      // First in the suite: no node restarted yet, so every bus link is up (a payload lost on
      // the bus counts on one node only, by design).
      const account = handle('kim');
      const post = (node: ServerHandle, path: string, password: string) =>
        fetch(`${node.url}/api/v1/auth/${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ handle: account, password }),
        });
      assert.equal((await post(nodes[0]!, 'register', 'correct horse battery')).status, 201);
      // The account's bucket holds 10 attempts (6 a minute after): spread over the nodes, the
      // cluster lets 10 through (11 if a token refills meanwhile), not 10 per node.
      const statuses: number[] = [];
      for (let i = 0; i < 20 && !statuses.includes(429); i++)
        statuses.push((await post(nodes[i % nodes.length]!, 'login', `wrong ${i} pass`)).status);
      const through = statuses.filter((s) => s === 401).length;
      assert.ok(through >= 10 && through <= 11, `let through: ${statuses.join(',')}`);
      assert.equal(statuses.at(-1), 429);
      for (const node of nodes) {
        const right = await post(node, 'login', 'correct horse battery');
        assert.equal(right.status, 429, 'the right password waits on every node too');
      }
    });

    it('gives newcomers on one node every message once and in order while two nodes flood', () =>
      newcomersDuringFlood(seam));

    it('resumes readers on another node through node kills and restarts, nothing twice or lost', () =>
      resumeThroughNodeRestarts(seam));

    it('gives every client the same per-room order with no gap and no duplicate', async () => {
      const room = `r${Date.now().toString(36)}${unique++}`;
      const members = await Promise.all(nodes.map((n) => connect(n, { handle: handle('ord') })));
      await members[0]!.call({ type: 'create', room });
      for (const m of members.slice(1)) await m.call({ type: 'join', room });
      await new Promise((r) => setTimeout(r, 200));
      const perClient = 15;
      await Promise.all(
        members.map(async (m, k) => {
          for (let i = 0; i < perClient; i++)
            await m.call({ type: 'send', room, text: `${k}:${i}`, cid: `${k}-${i}` });
        }),
      );
      const total = perClient * members.length;
      const seqsOf = (c: WsTestClient, k: number) => {
        // Each client sees others' messages as frames and its own in replies: merge both.
        const got = c.messages(`room:${room}`).map((m) => m.seq as number);
        const own = c.frames.filter(
          (f) =>
            f.type === 'reply' &&
            (f.data as { message?: { channel: string } })?.message?.channel === `room:${room}`,
        );
        return { got, own: own.length, k };
      };
      for (const [k, m] of members.entries()) {
        await m
          .waitFor(() => seqsOf(m, k).got.length + seqsOf(m, k).own === total, 10_000)
          .catch(() => undefined);
        const { got } = seqsOf(m, k);
        assert.equal(new Set(got).size, got.length, 'no duplicate');
        assert.deepEqual(
          got,
          [...got].sort((a, b) => a - b),
          'in seq order',
        );
        assert.equal(got.length, total - perClient, `client ${k} got every other message`);
      }
      const h = await members[0]!.call<{ messages: { seq: number }[] }>({
        type: 'history',
        channel: `room:${room}`,
        limit: 500,
      });
      assert.deepEqual(
        h.messages.map((m) => m.seq),
        Array.from({ length: total }, (_, i) => i + 1),
      );
    });

    it('delivers a DM to a user on two nodes on both, echoing the sender on both', async () => {
      const a0 = await connect(nodes[0]!, { handle: handle('dma') });
      const a1 = await connect(nodes[1]!, { token: a0.token });
      const b1 = await connect(nodes[1]!, { handle: handle('dmb') });
      const b2 = await connect(nodes[2]!, { token: b1.token });
      await new Promise((r) => setTimeout(r, 200));
      await a0.call({ type: 'send', to: b1.user, text: 'to both of you', cid: 'x1' });
      for (const c of [a1, b1, b2])
        await c.waitFor((f: Frame) => f.type === 'message' && f.text === 'to both of you');
      await b2.call({ type: 'send', to: a0.user, text: 'and back', cid: 'x2' });
      for (const c of [a0, a1, b1])
        await c.waitFor((f: Frame) => f.type === 'message' && f.text === 'and back');
    });

    it('takes a user kicked on one node out of the room on the others within 1 s, for good', async () => {
      const room = `k${Date.now().toString(36)}${unique++}`;
      const owner = await connect(nodes[0]!, { handle: handle('kown') });
      const u1 = await connect(nodes[1]!, { handle: handle('kick') });
      const u2 = await connect(nodes[2]!, { token: u1.token });
      await owner.call({ type: 'create', room });
      await u1.call({ type: 'join', room });
      await new Promise((r) => setTimeout(r, 300));
      const t0 = Date.now();
      await owner.call({ type: 'kick', room, user: u1.user });
      const left = (f: Frame) => f.type === 'member' && f.room === room && f.joined === false;
      // Both devices are told it was a kick, the one on another node over the bus.
      const kicked = (f: Frame) => left(f) && f.removed === 'kick';
      await u1.waitFor(kicked, 1000);
      await u2.waitFor(kicked, 1000);
      assert.ok(Date.now() - t0 < 1000, 'within 1 s');
      // A reconnect resuming the room (on another node) gets a coded frame naming it, not data.
      const resumeRoom = async (node: ServerHandle) => {
        const c = await connect(node, {
          token: u1.token,
          resume: [{ channel: `room:${room}`, after: 0 }],
        });
        const refused = await c.waitFor((f) => f.type === 'error' && f.channel === `room:${room}`);
        return { c, code: refused.code };
      };
      assert.equal((await resumeRoom(nodes[0]!)).code, 'SB_ERR_NOT_A_MEMBER', 'after the kick');
      await owner.call({ type: 'ban', room, user: u1.user });
      const { c: again, code } = await resumeRoom(nodes[2]!);
      assert.equal(code, 'SB_ERR_BANNED', 'after the ban');
      const r = await again.request({ type: 'resume', channel: `room:${room}`, after: 0 });
      assert.equal(r.code, 'SB_ERR_BANNED');
      assert.equal(again.messages(`room:${room}`).length, 0);
    });

    it('mutes, unmutes and promotes a user on one node for their devices on the others within 1 s', async () => {
      const room = `m${Date.now().toString(36)}${unique++}`;
      const owner = await connect(nodes[0]!, { handle: handle('mown') });
      const u1 = await connect(nodes[1]!, { handle: handle('mute') });
      const u2 = await connect(nodes[2]!, { token: u1.token });
      const other = await connect(nodes[2]!, { handle: handle('moth') });
      await owner.call({ type: 'create', room });
      await u1.call({ type: 'join', room });
      await other.call({ type: 'join', room });
      await new Promise((r) => setTimeout(r, 300));
      const acted = (action: string) => (f: Frame) =>
        f.type === 'moderated' && f.room === room && f.action === action;
      const send = async (c: WsTestClient, cid: string) =>
        (await c.request({ type: 'send', room, text: cid, cid })).code ?? 'ok';

      let t0 = Date.now();
      await owner.call({ type: 'mute', room, user: u1.user, duration: 600, reason: 'cool off' });
      const muted = await u2.waitFor(acted('mute'), 1000);
      await u1.waitFor(acted('mute'), 1000);
      assert.ok(Date.now() - t0 < 1000, 'within 1 s');
      assert.equal(muted.reason, 'cool off');
      assert.ok((muted.until as number) > Date.now() + 500_000, 'the mute ends in 10 minutes');
      assert.equal(await send(u2, 'while-muted'), 'SB_ERR_MUTED');
      assert.equal(await send(u1, 'while-muted'), 'SB_ERR_MUTED');

      t0 = Date.now();
      await owner.call({ type: 'unmute', room, user: u1.user });
      await u2.waitFor(acted('unmute'), 1000);
      assert.ok(Date.now() - t0 < 1000, 'within 1 s');
      assert.equal(await send(u2, 'after-unmute'), 'ok');

      assert.equal(
        (await u1.request({ type: 'kick', room, user: other.user })).code,
        'SB_ERR_FORBIDDEN',
      );
      t0 = Date.now();
      await owner.call({ type: 'role', room, user: u1.user, role: 'moderator' });
      const seen = await other.waitFor((f) => f.type === 'role' && f.user === u1.user, 1000);
      assert.equal(seen.role, 'moderator');
      assert.equal((await u2.waitFor(acted('role'), 1000)).role, 'moderator');
      assert.ok(Date.now() - t0 < 1000, 'within 1 s');
      await u1.call({ type: 'kick', room, user: other.user });
      await other.waitFor(acted('kick'), 1000);
      const members = await owner.call<{ members: { user: string }[] }>({ type: 'members', room });
      assert.ok(!members.members.some((m) => m.user === other.user), 'the moderator kicked');
    });

    it('closes a session revoked on one node on every node within 1 s, and only that session', async () => {
      const h = handle('rev');
      const api = (path: string, init: RequestInit = {}, token?: string) =>
        fetch(`${nodes[0]!.url}/api/v1/auth${path}`, {
          ...init,
          headers: {
            'content-type': 'application/json',
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
        });
      const body = JSON.stringify({ handle: h, password: 'correct horse battery', device: 'a' });
      const reg = await api('/register', { method: 'POST', body });
      assert.equal(reg.status, 201);
      const phone = ((await reg.json()) as { token: string }).token;
      const login = await api('/login', {
        method: 'POST',
        body: JSON.stringify({ handle: h, password: 'correct horse battery', device: 'b' }),
      });
      const laptop = ((await login.json()) as { token: string }).token;
      const onN1 = await connect(nodes[1]!, { token: phone });
      const onN2 = await connect(nodes[2]!, { token: phone });
      const keep = await connect(nodes[2]!, { token: laptop });
      await new Promise((r) => setTimeout(r, 200));
      const list = (await (await api('/sessions', {}, laptop)).json()) as {
        sessions: { id: string; current: boolean }[];
      };
      const target = list.sessions.find((x) => !x.current)!;
      const t0 = Date.now();
      const del = await api(`/sessions/${target.id}`, { method: 'DELETE' }, laptop);
      assert.equal(del.status, 204);
      assert.equal(await onN1.waitClosed(1000), 4101);
      assert.equal(await onN2.waitClosed(1000), 4101);
      assert.ok(Date.now() - t0 < 1000, 'within 1 s');
      assert.equal(
        (await keep.request({ type: 'users' })).type,
        'reply',
        'the other session stays',
      );
      const again = await WsTestClient.connect(nodes[1]!.wsUrl);
      clients.push(again);
      const r = await again.request({ type: 'hello', protocol: 1, token: phone });
      assert.equal(r.code, 'SB_ERR_TOKEN_INVALID');
    });

    it('closes every connection of a user banned from the server on one node, and keeps them out', async () => {
      const admin = await connect(nodes[0]!, {
        jwt: await sign('secret', { sub: handle('boss'), roles: ['admin'] }),
      });
      const u1 = await connect(nodes[1]!, { handle: handle('sban') });
      const u2 = await connect(nodes[2]!, { token: u1.token });
      await new Promise((r) => setTimeout(r, 200));
      const t0 = Date.now();
      await admin.call({ type: 'ban', user: u1.user, duration: 60 });
      assert.equal(await u1.waitClosed(1000), 4102);
      assert.equal(await u2.waitClosed(1000), 4102);
      assert.ok(Date.now() - t0 < 1000, 'within 1 s');
      const again = await WsTestClient.connect(nodes[2]!.wsUrl);
      clients.push(again);
      const r = await again.request({ type: 'hello', protocol: 1, token: u1.token });
      assert.equal(r.code, 'SB_ERR_BANNED');
      await admin.call({ type: 'unban', user: u1.user });
      await connect(nodes[1]!, { token: u1.token });
    });

    it('carries edits, reactions and deletes made on one node to the others, and replays them on resume', async () => {
      const room = `e${Date.now().toString(36)}${unique++}`;
      const channel = `room:${room}`;
      const ann = await connect(nodes[0]!, { handle: handle('eann') });
      const bob = await connect(nodes[1]!, { handle: handle('ebob') });
      await ann.call({ type: 'create', room });
      await bob.call({ type: 'join', room });
      await new Promise((r) => setTimeout(r, 300));
      await ann.call({ type: 'send', room, text: 'helo', cid: 'm1' });
      await ann.call({ type: 'send', room, text: 'second', cid: 'm2' });
      await ann.call({ type: 'edit', channel, seq: 1, text: 'hello', cid: 'e1' });
      await ann.call({ type: 'react', channel, seq: 1, emoji: '🎉', cid: 'r1' });
      await ann.call({ type: 'delete', channel, seq: 2 });
      await bob.waitFor((f) => f.type === 'message' && f.deletes === 2);
      const got = bob
        .messages(channel)
        .map((f) => [f.seq, f.edits ?? f.reacts ?? f.deletes ?? null]);
      assert.deepEqual(got, [
        [1, null],
        [2, null],
        [3, 1],
        [4, 1],
        [5, 2],
      ]);
      // A reader resuming from the start on the third node gets the log as it is now.
      const late = await connect(nodes[2]!, {
        token: bob.token,
        resume: [{ channel, after: 0 }],
      });
      await late.waitFor((f) => f.type === 'synced' && f.channel === channel);
      assert.deepEqual(
        late.messages(channel).map((f) => [f.seq, f.text, f.deleted ?? false]),
        [
          [1, 'hello', false],
          [2, '', true],
          [3, 'hello', false],
          [4, '', false],
          [5, '', false],
        ],
      );
      const page = await late.call<{ messages: Frame[] }>({ type: 'history', channel });
      assert.deepEqual(
        page.messages.map((m) => [
          m.seq,
          m.text,
          (m.reactions as { count: number }[] | undefined)?.[0]?.count,
        ]),
        [
          [1, 'hello', 1],
          [2, '', undefined],
        ],
      );
    });

    it('carries mentions, read receipts and the receipts setting to devices on the other nodes', async () => {
      const room = `m${Date.now().toString(36)}${unique++}`;
      const channel = `room:${room}`;
      const ann = await connect(nodes[0]!, { handle: handle('mann') });
      const bob = await connect(nodes[1]!, { handle: handle('mbob') });
      const phone = await connect(nodes[2]!, { token: bob.token });
      await ann.call({ type: 'create', room });
      await bob.call({ type: 'join', room });
      await new Promise((r) => setTimeout(r, 300));
      await ann.call({ type: 'send', room, text: `hi @${bob.user}`, cid: 'm1' });
      for (const c of [bob, phone]) {
        const m = await c.waitFor((f) => f.type === 'mention');
        assert.deepEqual([m.channel, m.seq, m.from], [channel, 1, ann.user]);
      }
      await bob.call({ type: 'read', channel, seq: 1 });
      const r = await ann.waitFor((f) => f.type === 'receipt' && f.user === bob.user);
      assert.deepEqual([r.channel, r.seq], [channel, 1]);
      const echoed = await phone.waitFor((f) => f.type === 'read' && f.channel === channel);
      assert.deepEqual([echoed.unread, echoed.mentions], [0, 0]);
      // A DM's receipt travels on the other participant's topic.
      const dm = await ann.call<{ message: Frame }>({
        type: 'send',
        to: bob.user,
        text: 'psst',
        cid: 'd1',
      });
      const dmChannel = String(dm.message.channel);
      await phone.waitFor((f) => f.type === 'message' && f.channel === dmChannel);
      await phone.call({ type: 'read', channel: dmChannel, seq: 1 });
      await ann.waitFor((f) => f.type === 'receipt' && f.channel === dmChannel);
      await bob.call({ type: 'settings', receipts: false });
      assert.equal((await phone.waitFor((f) => f.type === 'settings')).receipts, false);
      const list = await ann.call<{ receipts: unknown[] }>({ type: 'receipts', channel });
      assert.deepEqual(list.receipts, []);
    });

    it('carries a thread message to the other nodes and tells its followers’ devices there, reads too', async () => {
      const room = `t${Date.now().toString(36)}${unique++}`;
      const channel = `room:${room}`;
      const ann = await connect(nodes[0]!, { handle: handle('tann') });
      const bob = await connect(nodes[1]!, { handle: handle('tbob') });
      await ann.call({ type: 'create', room });
      await bob.call({ type: 'join', room });
      const annPhone = await connect(nodes[2]!, { token: ann.token });
      await new Promise((r) => setTimeout(r, 300));
      await ann.call({ type: 'send', room, text: 'root', cid: 'root' });
      await bob.call({ type: 'send', room, text: 'in it', cid: 't1', thread: 1 });
      const live = await ann.waitFor((f) => f.type === 'message' && f.seq === 2);
      assert.equal(live.thread, 1);
      for (const c of [ann, annPhone]) {
        const news = await c.waitFor((f) => f.type === 'thread' && f.seq === 2);
        assert.deepEqual([news.root, news.from, news.unread], [1, bob.user, 1]);
      }
      await ann.call({ type: 'read', channel, seq: 2, thread: 1 });
      const read = await annPhone.waitFor((f) => f.type === 'read' && f.thread === 1);
      assert.deepEqual([read.seq, read.unread], [2, 0]);
    });

    it('shows users of all nodes with total connection counts on every node', async () => {
      const u = handle('pres');
      const first = await connect(nodes[0]!, { handle: u });
      await connect(nodes[1]!, { token: first.token });
      await connect(nodes[2]!, { token: first.token });
      const watchers = await Promise.all(nodes.map((n) => connect(n, { handle: handle('w') })));
      for (const w of watchers)
        await eventually(
          async () => (await onlineAt(w)).get(u) === 3,
          `${u} has 3 connections everywhere`,
        );
    });

    it('routes room traffic only to nodes with local members of the room', async () => {
      const room = `i${Date.now().toString(36)}${unique++}`;
      const a = await connect(nodes[0]!, { handle: handle('ia') });
      const b = await connect(nodes[1]!, { handle: handle('ib') });
      await a.call({ type: 'create', room });
      await b.call({ type: 'join', room });
      await new Promise((r) => setTimeout(r, 300));
      const before2 = await busReceived(nodes[2]!);
      const before1 = await busReceived(nodes[1]!);
      for (let i = 0; i < 20; i++)
        await a.call({ type: 'send', room, text: `only for b ${i}`, cid: `i${i}` });
      await b.waitFor((f) => f.type === 'message' && f.text === 'only for b 19');
      await new Promise((r) => setTimeout(r, 300));
      const got1 = (await busReceived(nodes[1]!)) - before1;
      const got2 = (await busReceived(nodes[2]!)) - before2;
      assert.ok(got1 >= 20, `the member's node received the room traffic (${got1})`);
      // Node 2 may see presence heartbeats, but none of the 20 room messages.
      assert.ok(
        got2 < 20,
        `node 2 without members received ${got2} payloads, fewer than the 20 messages`,
      );
    });

    it(
      'repairs from the store what clients missed while the broker restarted, and /readyz follows the broker',
      { skip: false },
      async (t) => {
        if (!backend.broker) return t.skip('no broker to restart for this bus');
        const room = `f${Date.now().toString(36)}${unique++}`;
        const a = await connect(nodes[0]!, { handle: handle('fa') });
        const b = await connect(nodes[1]!, { handle: handle('fb') });
        await a.call({ type: 'create', room });
        await b.call({ type: 'join', room });
        await new Promise((r) => setTimeout(r, 300));
        let sent = 0;
        // Retries a send the way the SDK's outbox does: same cid until stored. When the store is
        // the broker too (PostgreSQL), sends fail with a retryable error during the outage.
        const sendOne = async (cid: string) => {
          const until = Date.now() + 30_000;
          for (;;) {
            const r = await a.request({ type: 'send', room, text: cid, cid });
            if (r.type === 'reply') return;
            assert.equal(
              r.retryable,
              true,
              `only retryable errors during the outage: ${String(r.code)}`,
            );
            if (Date.now() > until) throw new Error(`send ${cid} kept failing: ${String(r.code)}`);
            await new Promise((res) => setTimeout(res, 200));
          }
        };
        const sendSome = async (n: number) => {
          for (let i = 0; i < n; i++) await sendOne(`f${sent++}`);
        };
        const storeDown = backend.storeOnBroker ?? backend.store === backend.broker.url;
        await sendSome(10);
        await backend.broker.kill();
        const readyz = async () => (await fetch(`${nodes[0]!.url}/readyz`)).status;
        try {
          await eventually(
            async () => (await readyz()) === 503,
            '/readyz reports 503 while the broker is down',
            15_000,
          );
          if (storeDown) {
            const r = await a.request({ type: 'send', room, text: 'during', cid: 'during' });
            assert.equal(r.code, 'SB_ERR_STORE_UNAVAILABLE');
          } else {
            await sendSome(10); // local delivery and the store keep working while the bus is down
          }
        } finally {
          await backend.broker.restart();
        }
        await eventually(async () => (await readyz()) === 200, '/readyz recovers', 30_000);
        if (storeDown) await sendOne('during');
        await sendSome(storeDown ? 19 : 10);
        await b.waitFor(() => b.messages(`room:${room}`).length === 30, 30_000);
        const seqs = b.messages(`room:${room}`).map((m) => m.seq as number);
        assert.deepEqual(
          seqs,
          Array.from({ length: 30 }, (_, i) => i + 1),
        );
      },
    );

    it('removes a killed node’s users from every list within the presence ttl, and a stopped node’s at once', async () => {
      const watcher = await connect(nodes[0]!, { handle: handle('watch') });
      const victim = handle('victim');
      await connect(nodes[2]!, { handle: victim });
      await eventually(async () => (await onlineAt(watcher)).has(victim), 'victim online');
      const t0 = Date.now();
      await nodes[2]!.kill();
      await eventually(
        async () => !(await onlineAt(watcher)).has(victim),
        'victim gone after SIGKILL',
        PRESENCE_TTL * 4,
      );
      const took = Date.now() - t0;
      assert.ok(took <= PRESENCE_TTL * 2, `gone in ${took} ms (ttl ${PRESENCE_TTL})`);
      nodes[2] = await startNode(2);
      const leaver = handle('leaver');
      await connect(nodes[1]!, { handle: leaver });
      await eventually(async () => (await onlineAt(watcher)).has(leaver), 'leaver online');
      const t1 = Date.now();
      await nodes[1]!.stop();
      await eventually(
        async () => !(await onlineAt(watcher)).has(leaver),
        'leaver gone after SIGTERM',
        PRESENCE_TTL,
      );
      assert.ok(Date.now() - t1 < PRESENCE_TTL, 'a clean stop removes users before the ttl');
      nodes[1] = await startNode(1);
    });
  });
}
