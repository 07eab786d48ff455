/** SwitchboardClient against a real server process. */
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { SwitchboardError, type ChatMessage, type PendingSend } from '../../src/client/index.js';
import { startServer, type ServerHandle } from '../helpers/server.js';
import { collect, handle, makeClient, sleep, trackedWebSocket, until, waitFor } from './helpers.js';

let server: ServerHandle;
const clients: { close(): void }[] = [];
function client(opts: Parameters<typeof makeClient>[0]) {
  const c = makeClient(opts);
  clients.push(c);
  return c;
}

before(async () => {
  server = await startServer();
});
after(async () => {
  for (const c of clients) c.close();
  await server.dispose();
});

describe('SwitchboardClient', () => {
  test('connects, says hello and starts in general', async () => {
    const name = handle('ann');
    const c = client({ url: server.wsUrl, handle: name });
    const states = collect(c, 'state');
    const hello = await c.connect();
    assert.equal(hello.user, name);
    assert.equal(c.user, name);
    assert.equal(c.token, hello.token);
    assert.equal(c.state, 'ready');
    assert.deepEqual(states, ['connecting', 'ready']);
    assert.ok(c.channels.has('room:general'));
    assert.ok(c.online.has(name));
  });

  test('a room send resolves with the stored message and the other client receives it once', async () => {
    const a = client({ url: server.wsUrl, handle: handle('alice') });
    const b = client({ url: server.wsUrl, handle: handle('bob') });
    await Promise.all([a.connect(), b.connect()]);
    const own = collect(a, 'message');
    const got = waitFor(b, 'message', (m) => m.text === 'hello room');
    const msg = await a.sendToRoom('general', 'hello room');
    assert.equal(msg.channel, 'room:general');
    assert.equal(msg.from, a.user);
    assert.ok(msg.seq > 0);
    const seen = await got;
    assert.equal(seen.seq, msg.seq);
    assert.equal(seen.cid, msg.cid);
    assert.deepEqual(
      own.map((m) => m.seq),
      [msg.seq],
      'own send is emitted once as a message event',
    );
    assert.equal(a.channels.get('room:general')?.readSeq, msg.seq);
    await until(() => (b.channels.get('room:general')?.lastSeq ?? 0) >= msg.seq);
    assert.ok((b.channels.get('room:general')?.unread ?? 0) >= 1);
  });

  test('a reply names its parent, through the outbox and in the pending list', async () => {
    const a = client({ url: server.wsUrl, handle: handle('alice') });
    const b = client({ url: server.wsUrl, handle: handle('bob') });
    await Promise.all([a.connect(), b.connect()]);
    const first = await a.sendToRoom('general', 'a question');
    const got = waitFor(a, 'message', (m) => m.text === 'an answer');
    const sending = b.sendToRoom('general', 'an answer', { replyTo: first.seq });
    assert.equal(b.pending()[0]?.replyTo, first.seq);
    assert.equal((await sending).replyTo, first.seq);
    assert.equal((await got).replyTo, first.seq);
    await assert.rejects(b.sendToRoom('general', 'to nothing', { replyTo: 10_000_000 }), {
      code: 'SB_ERR_MESSAGE_NOT_FOUND',
    });
  });

  test('a thread message goes through the outbox, stays out of the room unread and reaches followers', async () => {
    const a = client({ url: server.wsUrl, handle: handle('alice') });
    const b = client({ url: server.wsUrl, handle: handle('bob') });
    await Promise.all([a.connect(), b.connect()]);
    const root = await a.sendToRoom('general', 'a topic');
    await until(() => (b.channels.get('room:general')?.lastSeq ?? 0) >= root.seq);
    const news = waitFor(a, 'thread', (e) => e.root === root.seq);
    const sending = b.sendToRoom('general', 'in the thread', { thread: root.seq });
    assert.equal(b.pending()[0]?.thread, root.seq);
    const sent = await sending;
    assert.deepEqual([sent.thread, sent.alsoToRoom], [root.seq, undefined]);
    const event = await news;
    assert.deepEqual([event.seq, event.from, event.unread], [sent.seq, b.user, 1]);
    await until(() => (a.channels.get('room:general')?.lastSeq ?? 0) >= sent.seq);
    assert.equal(
      a.channels.get('room:general')?.unread,
      0,
      'a thread-only message is not room unread',
    );
    const loud = await b.sendToRoom('general', 'to the room too', {
      thread: root.seq,
      alsoToRoom: true,
    });
    assert.equal(loud.alsoToRoom, true);
    await until(() => (a.channels.get('room:general')?.unread ?? 0) === 1);
    const view = await a.history('room:general', { thread: root.seq });
    assert.deepEqual(
      [view.root?.replies, view.messages.map((m) => m.seq)],
      [2, [sent.seq, loud.seq]],
    );
    const main = await a.history('room:general', { after: root.seq - 1 });
    assert.deepEqual(
      main.messages.map((m) => m.seq),
      [root.seq, loud.seq],
    );
  });

  test('a send to a room the user is not in rejects with SB_ERR_NOT_A_MEMBER and stays listed as failed', async () => {
    const a = client({ url: server.wsUrl, handle: handle('nm') });
    await a.connect();
    const room = handle('r').replace(/[^a-z0-9-]/g, '');
    const b = client({ url: server.wsUrl, handle: handle('own') });
    await b.connect();
    await b.createRoom(room);
    await assert.rejects(
      a.sendToRoom(room, 'hi'),
      (e: SwitchboardError) => e.code === 'SB_ERR_NOT_A_MEMBER',
    );
    assert.equal(a.outboxSize, 0);
    const [failed] = a.pending();
    assert.equal(failed?.state, 'failed');
    assert.equal(failed?.error?.code, 'SB_ERR_NOT_A_MEMBER');
    assert.equal(a.discardSend(failed.cid), true);
    assert.deepEqual(a.pending(), []);
  });

  test('retrySend stores a failed send with its cid once the reason is gone', async () => {
    const a = client({ url: server.wsUrl, handle: handle('rt') });
    await a.connect();
    const room = handle('r').replace(/[^a-z0-9-]/g, '');
    const b = client({ url: server.wsUrl, handle: handle('own') });
    await b.connect();
    await b.createRoom(room);
    await a.sendToRoom(room, 'too early').catch(() => undefined);
    const cid = a.pending()[0]!.cid;
    await a.joinRoom(room);
    const got = waitFor(b, 'message', (m) => m.cid === cid);
    const lists = collect(a, 'outbox');
    assert.equal(a.retrySend(cid), true);
    assert.equal((await got).text, 'too early');
    await until(() => a.pending().length === 0);
    assert.deepEqual(
      lists.map((l) => l.map((p) => p.state)),
      [['queued'], ['sending'], []],
    );
  });

  test('an outbox restored from an earlier client is sent with its cids and stored once', async () => {
    const name = handle('rs');
    const first = client({ url: server.wsUrl, handle: name });
    const hello = await first.connect();
    const watcher = client({ url: server.wsUrl, handle: handle('w') });
    await watcher.connect();
    const seen = collect(watcher, 'message');
    // The first client's send reached the server, but its page was closed before the reply.
    const stored = await first.sendToRoom('general', 'written before the reload');
    const saved: PendingSend[] = [
      {
        cid: stored.cid,
        target: { room: 'general' },
        text: stored.text,
        createdAt: 1,
        state: 'sending',
      },
      {
        cid: `${stored.cid}-2`,
        target: { room: 'general' },
        text: 'never sent',
        createdAt: 2,
        state: 'queued',
      },
    ];
    first.close();
    const second = client({ url: server.wsUrl, token: hello.token, outbox: saved });
    assert.deepEqual(
      second.pending().map((p) => p.cid),
      saved.map((p) => p.cid),
    );
    const own = collect(second, 'message');
    await second.connect();
    await until(() => second.pending().length === 0, 10_000, 'restored outbox sent');
    await until(() => seen.some((m) => m.cid === `${stored.cid}-2`));
    await sleep(200);
    assert.deepEqual(
      seen.filter((m) => m.from === name).map((m) => m.text),
      ['written before the reload', 'never sent'],
    );
    assert.ok(own.some((m) => m.cid === `${stored.cid}-2`));
    const page = await watcher.history('room:general', { limit: 500 });
    const mine = page.messages.filter((m) => m.from === name).map((m) => m.cid);
    assert.deepEqual(mine, [stored.cid, `${stored.cid}-2`]);
  });

  test('a DM reaches every connection of the recipient and the other connections of the sender', async () => {
    const alice = handle('dma');
    const bob = handle('dmb');
    const a1 = client({ url: server.wsUrl, handle: alice });
    const b1 = client({ url: server.wsUrl, handle: bob });
    const h1 = await a1.connect();
    const hb = await b1.connect();
    const a2 = client({ url: server.wsUrl, token: h1.token });
    const b2 = client({ url: server.wsUrl, token: hb.token });
    await Promise.all([a2.connect(), b2.connect()]);
    const a1Messages = collect(a1, 'message');
    const a1Channels = collect(a1, 'channel');
    const waits = [b1, b2, a2].map((c) => waitFor(c, 'message', (m) => m.text === 'psst'));
    const msg = await a1.sendDm(bob, 'psst');
    assert.ok(msg.channel.startsWith('dm:'));
    for (const m of await Promise.all(waits)) assert.equal(m.seq, msg.seq);
    assert.equal(a1Messages.length, 1);
    const dm = a1Channels.find((c) => c.channel === msg.channel);
    assert.equal(dm?.kind, 'dm');
    assert.equal(dm?.name, bob);
    assert.equal(b1.channels.get(msg.channel)?.name, alice);
    assert.equal(b1.channels.get(msg.channel)?.unread, 1);
  });

  test('messages sent while the server is down are delivered exactly once after it comes back', async () => {
    const own = await startServer();
    try {
      const a = client({ url: own.wsUrl, handle: handle('out') });
      const b = client({ url: own.wsUrl, handle: handle('in') });
      await Promise.all([a.connect(), b.connect()]);
      const received = collect(b, 'message');
      await own.stop();
      await until(() => a.state === 'reconnecting', 5000, 'reconnecting');
      const sends = ['one', 'two', 'three'].map((t) => a.sendToRoom('general', t));
      assert.equal(a.outboxSize, 3);
      const again = await startServer({ dataDir: own.dataDir, port: own.port });
      try {
        const stored = await Promise.all(sends);
        assert.deepEqual(
          stored.map((m) => m.text),
          ['one', 'two', 'three'],
        );
        assert.equal(a.outboxSize, 0);
        await until(() => received.length >= 3, 10_000, 'b receives the sends');
        await sleep(200);
        assert.deepEqual(
          received.map((m) => m.text),
          ['one', 'two', 'three'],
        );
        const page = await b.history('room:general', { limit: 50 });
        assert.deepEqual(
          page.messages.map((m) => m.text),
          ['one', 'two', 'three'],
        );
      } finally {
        await again.stop();
      }
    } finally {
      await own.dispose();
    }
  });

  test('a send whose connection dies before the reply is re-sent with the same cid and stored once', async () => {
    const ws = trackedWebSocket();
    const a = client({ url: server.wsUrl, handle: handle('lossy'), WebSocket: ws.WebSocket });
    const b = client({ url: server.wsUrl, handle: handle('watch') });
    await Promise.all([a.connect(), b.connect()]);
    const received = collect(b, 'message');
    const socket = ws.sockets.at(-1)!;
    const send = socket.send.bind(socket);
    socket.send = ((data: string) => {
      send(data);
      if (data.includes('"type":"send"')) setImmediate(() => socket.terminate());
    }) as typeof socket.send;
    const msg = await a.sendToRoom('general', 'only once');
    await sleep(300);
    assert.equal(ws.sockets.length, 2, 'the client reconnected');
    const copies = received.filter((m) => m.cid === msg.cid);
    assert.equal(copies.length, 1);
    const page = await b.history('room:general', { after: msg.seq - 1 });
    assert.equal(page.messages.filter((m) => m.cid === msg.cid).length, 1);
  });

  test('after a drop, resume delivers the missed messages in order with no duplicate, then synced', async () => {
    const ws = trackedWebSocket();
    const a = client({ url: server.wsUrl, handle: handle('talk') });
    const b = client({
      url: server.wsUrl,
      handle: handle('drop'),
      WebSocket: ws.WebSocket,
      reconnect: { minDelay: 1500, jitter: 0 },
    });
    await Promise.all([a.connect(), b.connect()]);
    const seenBefore = waitFor(b, 'message', (m) => m.text === 'before' && m.from === a.user);
    const before = await a.sendToRoom('general', 'before');
    await seenBefore;
    const received: ChatMessage[] = collect(b, 'message');
    ws.sockets.at(-1)!.terminate();
    await until(() => b.state === 'reconnecting', 5000, 'reconnecting');
    const missed: ChatMessage[] = [];
    for (let i = 0; i < 5; i++) missed.push(await a.sendToRoom('general', `missed ${i}`));
    const synced = await waitFor(b, 'synced', (s) => s.channel === 'room:general', 10_000);
    assert.equal(synced.seq >= missed.at(-1)!.seq, true);
    assert.equal(synced.truncated, false);
    const seenLive = waitFor(b, 'message', (m) => m.text === 'live' && m.from === a.user);
    const live = await a.sendToRoom('general', 'live');
    await seenLive;
    const mine = received.filter((m) => m.seq > before.seq).map((m) => m.seq);
    const want = [...missed, live].map((m) => m.seq);
    // Other tests in this file may write to general meanwhile: check order, uniqueness, coverage.
    assert.deepEqual(
      mine,
      [...mine].sort((x, y) => x - y),
    );
    assert.equal(new Set(mine).size, mine.length);
    for (const s of want) assert.ok(mine.includes(s), `seq ${s} delivered`);
    assert.ok(!received.some((m) => m.seq === before.seq), 'no replay of what was seen');
    assert.ok(b.positions().some((p) => p.channel === 'room:general' && p.after >= live.seq));
  });

  test('a token the server rejects is replaced by claiming the handle again', async () => {
    const name = handle('tok');
    const c = client({ url: server.wsUrl, handle: name, token: 'not-a-real-token' });
    const hello = await c.connect();
    assert.equal(hello.user, name);
    assert.notEqual(c.token, 'not-a-real-token');
  });

  test('claiming a handle someone holds rejects connect with SB_ERR_HANDLE_TAKEN and closes', async () => {
    const name = handle('held');
    await client({ url: server.wsUrl, handle: name }).connect();
    const c = client({ url: server.wsUrl, handle: name });
    const closed = waitFor(c, 'closed');
    await assert.rejects(c.connect(), (e: SwitchboardError) => e.code === 'SB_ERR_HANDLE_TAKEN');
    assert.equal((await closed).reconnect, false);
    assert.equal(c.state, 'closed');
  });

  test('requests while not connected reject with SB_ERR_CONNECTION_CLOSED', async () => {
    const c = client({ url: server.wsUrl, handle: handle('idle') });
    await assert.rejects(
      c.listRooms(),
      (e: SwitchboardError) => e.code === 'SB_ERR_CONNECTION_CLOSED',
    );
  });

  test('rooms: create, join from another device, list, members, leave', async () => {
    const name = handle('rm');
    const a1 = client({ url: server.wsUrl, handle: name });
    const hello = await a1.connect();
    const a2 = client({ url: server.wsUrl, token: hello.token });
    await a2.connect();
    const room = `r${Date.now().toString(36)}`;
    const learned = waitFor(a2, 'channel', (c) => c.channel === `room:${room}`);
    const state = await a1.createRoom(room);
    assert.equal(state.channel, `room:${room}`);
    assert.equal((await learned).kind, 'room');
    assert.ok((await a1.listRooms()).some((r) => r.room === room));
    assert.deepEqual(
      (await a1.members(room)).map((m) => m.user),
      [name],
    );
    await assert.rejects(
      a1.createRoom(room),
      (e: SwitchboardError) => e.code === 'SB_ERR_ROOM_EXISTS',
    );
    const removed = collect(a1, 'channelRemoved');
    await a1.leaveRoom(room);
    assert.equal(a1.channels.has(`room:${room}`), false);
    assert.deepEqual(removed, [`room:${room}`]);
  });

  test('leaving a room on one device removes it on the other devices', async () => {
    const name = handle('lv');
    const a1 = client({ url: server.wsUrl, handle: name });
    const hello = await a1.connect();
    const a2 = client({ url: server.wsUrl, token: hello.token });
    await a2.connect();
    const room = `l${Date.now().toString(36)}`;
    const learned = waitFor(a2, 'channel', (c) => c.channel === `room:${room}`);
    await a1.createRoom(room);
    await learned;
    const removed = waitFor(a2, 'channelRemoved', (c) => c === `room:${room}`, 3000);
    await a1.leaveRoom(room);
    await removed;
  });

  test('typing is throttled to one frame per channel per 3 s and reaches the others', async () => {
    const a = client({ url: server.wsUrl, handle: handle('typ') });
    const b = client({ url: server.wsUrl, handle: handle('see') });
    await Promise.all([a.connect(), b.connect()]);
    const events = collect(b, 'typing');
    await a.typing('room:general');
    await a.typing('room:general');
    await a.typing('room:general');
    await until(() => events.some((e) => e.user === a.user));
    await sleep(200);
    assert.equal(events.filter((e) => e.user === a.user).length, 1);
  });

  test('a send lets the next typing() through at once', async () => {
    const a = client({ url: server.wsUrl, handle: handle('typ') });
    const b = client({ url: server.wsUrl, handle: handle('see') });
    await Promise.all([a.connect(), b.connect()]);
    const events = collect(b, 'typing');
    await a.typing('room:general');
    await a.sendToRoom('general', 'first');
    await a.typing('room:general');
    await until(() => events.filter((e) => e.user === a.user).length >= 2, 2000, 'two typing');
  });

  test('markRead sets the read position and tells the other devices', async () => {
    const name = handle('rd');
    const a1 = client({ url: server.wsUrl, handle: name });
    const hello = await a1.connect();
    const a2 = client({ url: server.wsUrl, token: hello.token });
    await a2.connect();
    const other = client({ url: server.wsUrl, handle: handle('wr') });
    await other.connect();
    const m = await other.sendToRoom('general', 'read me');
    await until(() => (a1.channels.get('room:general')?.lastSeq ?? 0) >= m.seq);
    const read = waitFor(a2, 'read', (r) => r.channel === 'room:general' && r.seq >= m.seq);
    const state = await a1.markRead('room:general', m.seq);
    assert.equal(state.readSeq, m.seq);
    assert.equal((await read).seq, m.seq);
  });

  test('close() rejects queued sends with SB_ERR_CONNECTION_CLOSED and emits a final closed', async () => {
    const c = client({ url: server.wsUrl, handle: handle('bye') });
    const closed = waitFor(c, 'closed');
    const sent = c.sendToRoom('general', 'never');
    c.close();
    await assert.rejects(sent, (e: SwitchboardError) => e.code === 'SB_ERR_CONNECTION_CLOSED');
    assert.equal((await closed).reconnect, false);
    assert.equal(c.state, 'closed');
  });

  // Node's `ws` emits 'error' after a socket still connecting is closed or terminated; with no
  // listener left that was an uncaught exception, which crashed a Node application (CI caught
  // it once in this file's after(), closing a client that was reconnecting).
  for (const how of ['close()', 'dropConnection()'] as const) {
    test(`${how} while the socket is still connecting throws nothing afterwards`, async () => {
      // Accepts the TCP connection and never answers the upgrade: the socket stays connecting.
      const accepted: Socket[] = [];
      const silent = createServer((sock) => accepted.push(sock));
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
      const { port } = silent.address() as AddressInfo;
      const uncaught: unknown[] = [];
      const onUncaught = (err: unknown): number => uncaught.push(err);
      process.on('uncaughtException', onUncaught);
      const c = client({ url: `ws://127.0.0.1:${port}`, handle: handle('early') });
      try {
        const connecting = c.connect().then(
          () => null,
          (e: unknown) => e,
        );
        await until(() => accepted.length > 0);
        if (how === 'close()') {
          c.close();
          const err = (await connecting) as SwitchboardError;
          assert.equal(err.code, 'SB_ERR_CONNECTION_CLOSED');
        } else {
          assert.equal(c.dropConnection(), true);
          assert.equal(c.state, 'reconnecting');
          // Then closed while its next attempt is connecting: what the after() above met.
          await until(() => accepted.length > 1);
          c.close();
        }
        await sleep(100);
      } finally {
        c.close();
        process.off('uncaughtException', onUncaught);
        for (const sock of accepted) sock.destroy();
        silent.close();
      }
      assert.deepEqual(uncaught, []);
    });
  }
});
