import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SwitchboardError } from '../../src/errors.js';
import { MemoryHub } from '../../src/bus/memory.js';
import { MemoryStore } from '../../src/store/memory.js';
import { TestClient, startNode, type Node } from './harness.js';

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return err instanceof SwitchboardError ? err.code : 'not a SwitchboardError';
  }
}

describe('ChatCore.runAs: a command as a user without a socket', () => {
  let a: Node;
  let b: Node;
  before(async () => {
    const hub = new MemoryHub();
    const store = new MemoryStore();
    a = await startNode({}, { store, hub });
    b = await startNode({}, { store, hub });
    await a.store.createChannel('room:general', 'room', 'system', Date.now());
  });
  after(async () => {
    await a.stop();
    await b.stop();
  });

  test('a headless send reaches a socket client on another node like a socket send', async () => {
    const ann = TestClient.connect(b);
    await ann.hello({ handle: 'ann' });
    const reply = (await a.core.runAs(
      { user: 'ann' },
      { type: 'send', room: 'general', text: 'from nowhere', cid: 'h1' },
    )) as { duplicate: boolean };
    assert.equal(reply.duplicate, false);
    const seen = await ann.waitFor((f) => f.type === 'message' && f.text === 'from nowhere');
    assert.equal(seen.from, 'ann');
  });

  test('the headless actor is not online and keeps no channel active', async () => {
    await a.core.runAs({ user: 'zed' }, { type: 'join', room: 'general' });
    assert.equal(a.core.localUsers().has('zed'), false);
    assert.equal(a.core.channels.has('room:general'), false);
  });

  test('the permission table applies: a non-member cannot send, a server admin can moderate', async () => {
    const eve = TestClient.connect(a);
    await eve.hello({ handle: 'eve' });
    await a.store.createChannel('room:ops', 'room', 'system', Date.now());
    assert.equal(
      await codeOf(
        a.core.runAs({ user: 'eve' }, { type: 'send', room: 'ops', text: 'x', cid: 'c' }),
      ),
      'SB_ERR_NOT_A_MEMBER',
    );
    assert.equal(
      await codeOf(
        a.core.runAs(
          { user: 'boss', roles: ['admin'] },
          { type: 'invite', room: 'ops', user: 'eve' },
        ),
      ),
      'ok',
    );
  });

  test('connection-bound commands and frames off the schema are SB_ERR_BAD_FRAME; a server-banned user SB_ERR_BANNED', async () => {
    assert.equal(
      await codeOf(
        a.core.runAs({ user: 'ann' }, { type: 'typing', channel: 'room:general' } as never),
      ),
      'SB_ERR_BAD_FRAME',
    );
    assert.equal(
      await codeOf(
        a.core.runAs({ user: 'ann' }, { type: 'send', room: 'general', text: 'x', cid: '' }),
      ),
      'SB_ERR_BAD_FRAME',
    );
    await a.core.runAs({ user: 'boss', roles: ['admin'] }, { type: 'ban', user: 'mal' });
    assert.equal(await codeOf(a.core.runAs({ user: 'mal' }, { type: 'rooms' })), 'SB_ERR_BANNED');
  });
});
