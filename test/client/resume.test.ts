/**
 * How the SDK catches up: channels that appeared while it was away, and replays that failed.
 *
 * Against a real SwitchboardServer started in this process on a real port, whose real SQLite
 * store is wrapped at the Store seam by a fault injector (see faulty-server.ts): that is how a
 * hello succeeds while the replay of one channel fails because its reads do, on demand.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
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
