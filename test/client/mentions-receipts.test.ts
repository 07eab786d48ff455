/** The SDK's mentions and read receipts against a real server process. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mentionSpans } from '../../src/client/index.js';
import { startServer, type ServerHandle } from '../helpers/server.js';
import { handle, makeClient, until, waitFor } from './helpers.js';

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

describe('SwitchboardClient mentions', () => {
  test('counts mentions of me on the channel state and emits mention, cleared by a read', async () => {
    const a = client({ url: server.wsUrl, handle: handle('ann') });
    const b = client({ url: server.wsUrl, handle: handle('bob') });
    await Promise.all([a.connect(), b.connect()]);
    const mention = waitFor(b, 'mention');
    const sent = await a.sendToRoom('general', `look @${b.user}`);
    assert.deepEqual(sent.mentions, [b.user]);
    assert.deepEqual(await mention, { channel: 'room:general', seq: sent.seq, from: a.user });
    await until(() => (b.channels.get('room:general')?.mentions ?? 0) === 1);
    await a.sendToRoom('general', 'no mention');
    await until(() => (b.channels.get('room:general')?.lastSeq ?? 0) > sent.seq);
    assert.equal(b.channels.get('room:general')?.mentions, 1);
    const state = await b.markRead('room:general', sent.seq);
    assert.equal(state.mentions, 0);
    assert.deepEqual(mentionSpans(sent.text), [
      { start: 5, end: 6 + b.user!.length, name: b.user! },
    ]);
  });
});

describe('SwitchboardClient receipts', () => {
  test('lists receipts, emits receipt events, and keeps the privacy setting', async () => {
    const a = client({ url: server.wsUrl, handle: handle('ann') });
    const b = client({ url: server.wsUrl, handle: handle('bob') });
    await Promise.all([a.connect(), b.connect()]);
    const sent = await a.sendDm(b.user!, 'seen?');
    await until(() => b.channels.has(sent.channel));
    const receipt = waitFor(a, 'receipt', (r) => r.channel === sent.channel);
    await b.markRead(sent.channel, sent.seq);
    assert.deepEqual(await receipt, { channel: sent.channel, user: b.user, seq: sent.seq });
    assert.deepEqual(await a.receipts(sent.channel), {
      channel: sent.channel,
      receipts: [{ user: b.user, seq: sent.seq }],
    });
    assert.deepEqual(a.settings, { receipts: true });
    assert.deepEqual(await a.setReceipts(false), { receipts: false });
    assert.equal((await a.receipts(sent.channel)).off, true);
  });
});
