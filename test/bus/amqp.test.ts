import { after, before, describe } from 'node:test';
import { AmqpBus } from '../../src/bus/amqp.js';
import { freePort, type Broker } from '../helpers/brokers/common.js';
import { rabbitBinary, startRabbit } from '../helpers/brokers/rabbitmq.js';
import { busConformance } from './conformance.js';

const bin = rabbitBinary();

describe('AmqpBus against a private RabbitMQ node', { skip: bin.skip }, () => {
  let broker: Broker | undefined;

  // A RabbitMQ node boots in ~5-15 s.
  before(
    async () => {
      broker = await startRabbit();
    },
    { timeout: 120_000 },
  );

  after(async () => {
    await broker?.dispose();
  });

  busConformance(
    'AmqpBus',
    {
      async create(nodeId) {
        return new AmqpBus(broker!.url, { nodeId });
      },
      restartBackend: () => broker!.restart(),
      killBackend: () => broker!.kill(),
      unreachable: async (nodeId) =>
        new AmqpBus(`amqp://guest:guest@127.0.0.1:${await freePort()}`, { nodeId }),
    },
    { unreachableWithinMs: 5_000 },
  );
});
