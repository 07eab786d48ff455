import { after, before, describe } from 'node:test';
import { PostgresBus } from '../../src/bus/postgres.js';
import { freePort, type Broker } from '../helpers/brokers/common.js';
import { postgresBinary, startPostgres } from '../helpers/brokers/postgres.js';
import { busConformance } from './conformance.js';

const bin = postgresBinary();

describe('PostgresBus against a private PostgreSQL', { skip: bin.skip }, () => {
  let broker: Broker | undefined;

  before(
    async () => {
      broker = await startPostgres();
    },
    { timeout: 60_000 },
  );

  after(async () => {
    await broker?.dispose();
  });

  busConformance(
    'PostgresBus',
    {
      async create(nodeId) {
        return new PostgresBus(broker!.url, { nodeId });
      },
      restartBackend: () => broker!.restart(),
      killBackend: () => broker!.kill(),
      unreachable: async (nodeId) =>
        new PostgresBus(`postgres://postgres@127.0.0.1:${await freePort()}/switchboard`, {
          nodeId,
        }),
    },
    { unreachableWithinMs: 5_000 },
  );
});
