import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { freePort, type Broker } from '../helpers/brokers/common.js';
import { natsBinary, startNats } from '../helpers/brokers/nats.js';
import { busConformance } from './conformance.js';

type NatsModule = typeof import('../../src/bus/nats.js');

/**
 * The driver is an optional dependency: like a missing nats-server binary, a missing
 * @nats-io/transport-node skips these tests visibly, and fails the run under CI=true.
 */
const driver = await import('../../src/bus/nats.js').then(
  (m: NatsModule) => ({ m, skip: false as const }),
  (err: unknown) => {
    if (process.env.CI === 'true') throw err;
    return { m: null, skip: `@nats-io/transport-node not installed: ${String(err)}` };
  },
);
const { NatsBus, subjectOf } = (driver.m ?? {}) as NatsModule;

describe('NatsBus subjects', { skip: driver.skip }, () => {
  test('maps topics to single-token subjects that hold no wildcard or separator', () => {
    assert.equal(subjectOf('presence'), 'sb.presence');
    assert.equal(subjectOf('ch.room:general'), 'sb.ch~2Eroom~3Ageneral');
    assert.equal(subjectOf('u.a*>b'), 'sb.u~2Ea~2A~3Eb');
    assert.equal(subjectOf('é'), 'sb.~C3~A9');
    assert.equal(subjectOf(''), 'sb.~');
  });

  test('maps distinct topics to distinct subjects', () => {
    const topics = ['a.b', 'a~2Eb', 'a~b', 'A.b', '~', '', 'a b', 'a\tb', 'ch.room:x'];
    assert.equal(new Set(topics.map(subjectOf)).size, topics.length);
  });
});

describe('NatsBus', { skip: driver.skip || natsBinary().skip }, () => {
  let broker: Broker;
  before(async () => {
    broker = await startNats();
  });
  after(() => broker?.dispose());

  busConformance('NatsBus', {
    create: (nodeId) => Promise.resolve(new NatsBus(broker.url, { nodeId })),
    restartBackend: () => broker.restart(),
    killBackend: () => broker.kill(),
    unreachable: async (nodeId) => new NatsBus(`nats://127.0.0.1:${await freePort()}`, { nodeId }),
  });

  test('connects to the second server of a comma-separated list when the first is down', async () => {
    // The client shuffles the list (its default, to spread load): with three dead servers ahead
    // of the live one, a dead server is almost always tried first, and every order must connect.
    const dead = await Promise.all([freePort(), freePort(), freePort()]);
    const servers = [...dead.map((p) => `nats://127.0.0.1:${p}`), broker.url].join(', ');
    const a = new NatsBus(servers, { nodeId: 'list-a' });
    const b = new NatsBus(broker.url, { nodeId: 'list-b' });
    const got: string[] = [];
    await a.start(() => {});
    await b.start((_topic, payload) => got.push(payload));
    try {
      await b.subscribe('ch.room:list');
      await a.publish('ch.room:list', 'via the live server');
      for (let i = 0; i < 250 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(got, ['via the live server']);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
