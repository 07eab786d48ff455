/**
 * BusMux views under the bus conformance suite. Each node is one bus shared by two views, as
 * in src/server/switchboard-server.ts: the suite drives the catch-all view (''), while a
 * `presence` view on the same bus is started first and stays open, so the shared bus is
 * already running and outlives the view under test. Over MemoryBus, and over RedisBus for the
 * cases that need a backend to kill and restart (onReconnect must reach the view).
 */
import { after, before, describe } from 'node:test';
import type { Bus } from '../../src/bus/bus.js';
import { MemoryBus, MemoryHub } from '../../src/bus/memory.js';
import { BusMux } from '../../src/bus/mux.js';
import { RedisBus } from '../../src/bus/redis.js';
import { freePort, type Broker } from '../helpers/brokers/common.js';
import { redisBinary, startRedis } from '../helpers/brokers/redis.js';
import { busConformance, type BusFactory } from './conformance.js';

/** A factory of views over `open(nodeId)`, each beside a started sibling view. */
function muxFactory(open: (nodeId: string) => Bus): BusFactory & { siblings: Bus[] } {
  const siblings: Bus[] = [];
  return {
    siblings,
    async create(nodeId) {
      const mux = new BusMux(open(nodeId));
      const presence = mux.view('presence');
      siblings.push(presence);
      await presence.start(() => {});
      return mux.view('');
    },
    async cleanup() {
      await Promise.all(siblings.splice(0).map((view) => view.close()));
    },
  };
}

let hub = new MemoryHub();
const overMemory = muxFactory((nodeId) => new MemoryBus(hub, nodeId));
busConformance('BusMux view over MemoryBus', {
  create: (nodeId) => overMemory.create(nodeId),
  async cleanup() {
    await overMemory.cleanup!();
    hub = new MemoryHub();
  },
});

describe('BusMux over RedisBus', { skip: redisBinary().skip }, () => {
  let broker: Broker;
  before(async () => {
    broker = await startRedis();
  });
  after(() => broker?.dispose());

  const overRedis = muxFactory((nodeId) => new RedisBus(broker.url, { nodeId }));
  busConformance('BusMux view over RedisBus', {
    ...overRedis,
    restartBackend: () => broker.restart(),
    killBackend: () => broker.kill(),
    unreachable: async (nodeId) => {
      const dead = `redis://127.0.0.1:${await freePort()}`;
      return new BusMux(new RedisBus(dead, { nodeId })).view('');
    },
  });
});
