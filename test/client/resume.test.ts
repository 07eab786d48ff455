/**
 * How the SDK catches up: channels that appeared while it was away, and replays that failed.
 *
 * Against a real SwitchboardServer started in this process on a real port, whose real SQLite
 * store is wrapped at the Store seam by a fault injector (see faulty-server.ts): that is how a
 * hello succeeds while the replay of one channel fails because its reads do, on demand.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RECONNECT_DEFAULTS, backoffDelay } from '../../src/client/backoff.js';
import {
  dmChannel,
  roomChannel,
  type ChatMessage,
  type ClientOptions,
  type SwitchboardClient,
} from '../../src/client/index.js';
import { startFaultyServer, type FaultyServer } from './faulty-server.js';
import { Reachability, collect, handle, makeClient, sleep, until, waitFor } from './helpers.js';

const RECONNECT = { minDelay: 50, maxDelay: 500 };

let srv: FaultyServer;
const clients: SwitchboardClient[] = [];
function client(opts: Omit<ClientOptions, 'url'>): SwitchboardClient {
  const c = makeClient({ url: srv.wsUrl, reconnect: RECONNECT, ...opts });
  clients.push(c);
  return c;
}

before(async () => {
  srv = await startFaultyServer();
});
after(async () => {
  for (const c of clients) c.close();
  await srv.stop();
});

/** The texts `received` holds for `channel`, in the order they were emitted. */
const texts = (received: ChatMessage[], channel: string) =>
  received.filter((m) => m.channel === channel).map((m) => m.text);

/** Two users online; `bob` can be sent away and brought back. */
async function pair(): Promise<{
  alice: SwitchboardClient;
  bob: SwitchboardClient;
  net: Reachability;
  got: ChatMessage[];
}> {
  const net = new Reachability();
  const alice = client({ handle: handle('alice') });
  const bob = client({ handle: handle('bob'), WebSocket: net.WebSocket });
  await Promise.all([alice.connect(), bob.connect()]);
  return { alice, bob, net, got: collect(bob, 'message') };
}

/** A fresh room name per test. */
const roomName = () => handle('r').replace(/[^a-z0-9-]/g, '');

async function away(bob: SwitchboardClient, net: Reachability): Promise<void> {
  net.leave();
  await until(() => bob.state === 'reconnecting', 5000, 'bob reconnecting');
}

async function sendAll(
  from: SwitchboardClient,
  send: (c: SwitchboardClient, text: string) => Promise<ChatMessage>,
  list: string[],
): Promise<ChatMessage[]> {
  const out: ChatMessage[] = [];
  for (const text of list) out.push(await send(from, text));
  return out;
}

/** Most `resume` frames a client can send in `elapsed` ms of retrying: every delay at its shortest. */
function mostTries(elapsed: number): number {
  const options = { ...RECONNECT_DEFAULTS, ...RECONNECT };
  let tries = 1;
  for (let waited = backoffDelay(0, options, () => 1); waited <= elapsed; tries++)
    waited += backoffDelay(tries, options, () => 1);
  return tries;
}

describe('SDK catch-up of channels that appeared while away', () => {
  test('a DM opened while the client was away is emitted from its start, once and in order', async () => {
    const { alice, bob, net, got } = await pair();
    await away(bob, net);
    const dm = (
      await sendAll(alice, (c, t) => c.sendDm(bob.user!, t), ['dm 1', 'dm 2', 'dm 3'])
    )[0]!.channel;
    net.back();
    await waitFor(bob, 'synced', (s) => s.channel === dm);
    const live = await alice.sendDm(bob.user!, 'dm live');
    await until(() => got.some((m) => m.channel === dm && m.seq === live.seq), 10_000, 'live');
    assert.deepEqual(texts(got, dm), ['dm 1', 'dm 2', 'dm 3', 'dm live']);
    assert.equal(bob.channels.get(dm)?.unread, 4);
    assert.ok(net.sentOfType('resume').some((f) => f.channel === dm && f.after === 0));
  });

  test('messages that arrive live while the new DM is replayed are held and emitted after it, in seq order', async () => {
    const { alice, bob, net, got } = await pair();
    const dm = dmChannel(alice.user!, bob.user!);
    await away(bob, net);
    await sendAll(alice, (c, t) => c.sendDm(bob.user!, t), ['one', 'two']);
    // A slow uplink: the resume reaches the server only after two live messages reached bob.
    net.delay = 'resume';
    net.back();
    await until(() => net.sentOfType('resume').length > 0, 10_000, 'the resume frame');
    const live = await sendAll(alice, (c, t) => c.sendDm(bob.user!, t), ['three', 'four']);
    await until(
      () => net.receivedOfType('message').some((f) => f.seq === live[1]!.seq),
      10_000,
      'live frames at the socket',
    );
    assert.deepEqual(texts(got, dm), [], 'nothing emitted before the replay');
    assert.ok(bob.syncing.has(dm), 'the DM shows as syncing');
    net.flush();
    await waitFor(bob, 'synced', (s) => s.channel === dm);
    assert.deepEqual(texts(got, dm), ['one', 'two', 'three', 'four']);
    assert.equal(bob.syncing.has(dm), false);
  });

  test('a room joined on another device while away is replayed from the read position', async () => {
    const { alice, bob, net, got } = await pair();
    const room = roomName();
    const channel = roomChannel(room);
    await alice.createRoom(room);
    await alice.sendToRoom(room, 'before the join');
    await away(bob, net);
    const bob2 = client({ token: bob.token! });
    await bob2.connect();
    await bob2.joinRoom(room);
    await sendAll(alice, (c, t) => c.sendToRoom(room, t), ['r1', 'r2']);
    net.back();
    await waitFor(bob, 'synced', (s) => s.channel === channel);
    const live = await alice.sendToRoom(room, 'r3');
    await until(() => got.some((m) => m.channel === channel && m.seq === live.seq));
    assert.deepEqual(texts(got, channel), ['r1', 'r2', 'r3']);
  });

  test('a DM reaching a connected device for the first time is emitted from its start, once and in order', async () => {
    const { alice, bob, got } = await pair();
    const dm = dmChannel(alice.user!, bob.user!);
    // The server replays a new DM to bob's connection on its own; make that replay slow.
    srv.faults.hold(dm);
    await alice.sendDm(bob.user!, 'first');
    await until(() => (srv.faults.waiting.get(dm) ?? 0) > 0, 10_000, 'the replay reads the DM');
    await sendAll(alice, (c, t) => c.sendDm(bob.user!, t), ['second', 'third']);
    srv.faults.release(dm);
    await until(() => texts(got, dm).length >= 3);
    await sleep(100);
    assert.deepEqual(texts(got, dm), ['first', 'second', 'third']);
    assert.equal(bob.channels.get(dm)?.name, alice.user);
  });
});

/**
 * alice and bob in a new room, bob away while alice sends `missed` (after `seen`, which bob
 * got), then back while the room's reads fail: resolves once bob has asked for the room again.
 */
async function failingReplay(missed: string[], seen: string[] = []) {
  const p = await pair();
  const room = roomName();
  const channel = roomChannel(room);
  const send = (c: SwitchboardClient, t: string) => c.sendToRoom(room, t);
  await p.alice.createRoom(room);
  await p.bob.joinRoom(room);
  const before = await sendAll(p.alice, send, seen);
  await until(() => texts(p.got, channel).length === before.length, 10_000, 'bob saw them');
  await away(p.bob, p.net);
  const sent = await sendAll(p.alice, send, missed);
  srv.faults.down.add(channel);
  const syncing = collect(p.bob, 'syncing');
  const errors = collect(p.bob, 'error');
  p.net.back();
  const backAt = Date.now();
  await until(() => p.net.sentOfType('resume').length >= 1, 10_000, 'a resume frame');
  return { ...p, room, channel, before, sent, syncing, errors, backAt };
}

describe('SDK retry of a replay that failed', () => {
  test('retries with backoff while the store is down and emits every missed message once, in order, without reconnecting', async () => {
    const { alice, bob, net, got, room, channel, sent, syncing, errors, backAt } =
      await failingReplay(['m1', 'm2', 'm3']);
    await until(() => net.sentOfType('resume').length >= 3, 10_000, 'three resume frames');
    assert.ok(bob.syncing.has(channel));
    assert.equal(bob.state, 'ready');
    const sockets = net.sockets.length;
    srv.faults.down.delete(channel);
    const synced = await waitFor(bob, 'synced', (s) => s.channel === channel);
    const elapsed = Date.now() - backAt;
    assert.equal(synced.seq, sent.at(-1)!.seq);
    assert.deepEqual(texts(got, channel), ['m1', 'm2', 'm3']);
    assert.equal(net.sockets.length, sockets, 'no reconnect');
    const resumes = net.sentOfType('resume').filter((f) => f.channel === channel);
    assert.ok(
      resumes.length <= mostTries(elapsed),
      `${resumes.length} resume frames in ${elapsed} ms: at most ${mostTries(elapsed)} with backoff`,
    );
    assert.ok(resumes.every((f) => f.after === 0));
    const failures = syncing.filter((e) => e.channel === channel && e.error);
    assert.ok(failures.length >= 2);
    assert.ok(failures.every((e) => e.error?.code === 'SB_ERR_STORE_UNAVAILABLE'));
    assert.deepEqual(
      errors.map((e) => e.code),
      ['SB_ERR_STORE_UNAVAILABLE'],
      'the failed hello replay is reported once',
    );
    await sleep(600);
    assert.equal(net.sentOfType('resume').length, resumes.length, 'no resume once synced');
    const live = await alice.sendToRoom(room, 'm4');
    await until(() => got.some((m) => m.seq === live.seq && m.channel === channel));
    assert.deepEqual(texts(got, channel), ['m1', 'm2', 'm3', 'm4']);
  });

  test('a DM whose first replay to a connected device fails is retried and emitted from its start', async () => {
    const { alice, bob, net, got } = await pair();
    const dm = dmChannel(alice.user!, bob.user!);
    srv.faults.down.add(dm);
    await sendAll(alice, (c, t) => c.sendDm(bob.user!, t), ['a', 'b']);
    await until(() => net.sentOfType('resume').length >= 1, 10_000, 'a resume frame');
    srv.faults.down.delete(dm);
    await waitFor(bob, 'synced', (s) => s.channel === dm);
    assert.deepEqual(texts(got, dm), ['a', 'b']);
    assert.equal(bob.channels.get(dm)?.name, alice.user);
  });

  test('retries from the position the client reached, not from the start', async () => {
    const { bob, net, got, channel, before } = await failingReplay(['x', 'y'], ['seen']);
    assert.equal(net.sentOfType('resume')[0]!.after, before[0]!.seq);
    srv.faults.down.delete(channel);
    await waitFor(bob, 'synced', (s) => s.channel === channel);
    assert.deepEqual(texts(got, channel), ['seen', 'x', 'y']);
  });

  test('a non-retryable answer drops the channel with channelRemoved and stops retrying', async () => {
    const { bob, net, channel } = await failingReplay(['gone soon']);
    const removed = waitFor(bob, 'channelRemoved', (c) => c === channel);
    // Removed behind the server's back (another node, an admin): no `member` frame reaches bob.
    await srv.store.removeMember(channel, bob.user!);
    srv.faults.down.delete(channel);
    await removed;
    assert.equal(bob.channels.has(channel), false);
    assert.equal(bob.syncing.has(channel), false);
    const count = net.sentOfType('resume').length;
    await sleep(600);
    assert.equal(net.sentOfType('resume').length, count);
  });

  test('retries stop when the client closes', async () => {
    const { bob, net, channel } = await failingReplay(['never read']);
    assert.ok(bob.syncing.has(channel));
    bob.close();
    assert.equal(bob.syncing.size, 0, 'nothing left to retry');
    const count = net.sentOfType('resume').length;
    await sleep(700);
    assert.equal(net.sentOfType('resume').length, count);
    srv.faults.down.delete(channel);
  });

  test('a reconnect while retrying starts over with the hello resume list', async () => {
    const { bob, net, got, channel } = await failingReplay(['h1', 'h2']);
    const previous = net.sockets.length - 1;
    srv.faults.down.delete(channel);
    net.sockets[previous]!.terminate();
    await waitFor(bob, 'synced', (s) => s.channel === channel);
    const socket = net.sockets.length - 1;
    assert.ok(socket > previous, 'reconnected');
    const hello = net.sentOfType('hello', socket)[0]!;
    assert.ok(
      (hello.resume as { channel: string; after: number }[]).some(
        (p) => p.channel === channel && p.after === 0,
      ),
    );
    await sleep(300);
    assert.equal(net.sentOfType('resume', socket).length, 0, 'no resume on the new socket');
    assert.deepEqual(texts(got, channel), ['h1', 'h2']);
  });
});
