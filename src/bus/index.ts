/**
 * Chooses a Bus by URL. Each backend module (and its driver) is imported only when configured.
 *
 *   ''/memory             single process (MemoryBus)
 *   redis://, rediss://   Redis pub/sub
 *   nats://a,nats://b     NATS; a list, or one DNS name resolving to several servers
 *   amqp://, amqps://     RabbitMQ
 *   postgres://           PostgreSQL LISTEN/NOTIFY
 *   mesh                  broker-less full mesh between the nodes (needs peers and a secret)
 *   ipc                   the workers of `serve --workers N`, through the primary (set internally)
 */
import { SwitchboardError } from '../errors.js';
import type { Bus } from './bus.js';
import { MemoryBus, MemoryHub } from './memory.js';

export interface BusOptions {
  nodeId: string;
  mesh?: {
    listen: { host: string; port: number };
    peers: string[];
    secret: string;
  };
}

/** True when the URL selects a bus that connects several nodes. */
export function isClusterBus(url: string): boolean {
  return url !== '' && url !== 'memory';
}

async function load<T>(module: string, driver: string, make: (m: T) => Bus): Promise<Bus> {
  let m: T;
  try {
    m = (await import(module)) as T;
  } catch (err) {
    throw new SwitchboardError(
      'SB_ERR_BACKEND_UNAVAILABLE',
      `cannot load the ${driver} driver; install it with: npm install ${driver}`,
      { cause: err },
    );
  }
  return make(m);
}

export async function openBus(url: string, options: BusOptions): Promise<Bus> {
  const { nodeId } = options;
  const scheme = url.includes(':') ? url.slice(0, url.indexOf(':')) : url;
  switch (scheme) {
    case '':
    case 'memory':
      return new MemoryBus(new MemoryHub(), nodeId);
    case 'redis':
    case 'rediss':
      return load<typeof import('./redis.js')>(
        './redis.js',
        'ioredis',
        (m) => new m.RedisBus(url, { nodeId }),
      );
    case 'nats':
      return load<typeof import('./nats.js')>(
        './nats.js',
        '@nats-io/transport-node',
        (m) => new m.NatsBus(url, { nodeId }),
      );
    case 'amqp':
    case 'amqps':
      return load<typeof import('./amqp.js')>(
        './amqp.js',
        'amqplib',
        (m) => new m.AmqpBus(url, { nodeId }),
      );
    case 'postgres':
    case 'postgresql':
      return load<typeof import('./postgres.js')>(
        './postgres.js',
        'pg',
        (m) => new m.PostgresBus(url, { nodeId }),
      );
    case 'ipc': {
      const { IpcBus } = await import('./ipc.js');
      return new IpcBus(nodeId);
    }
    case 'mesh': {
      const mesh = options.mesh;
      if (!mesh?.secret) {
        throw new SwitchboardError(
          'SB_ERR_CONFIG_INVALID',
          'the mesh bus needs a shared secret: --mesh-secret or SWITCHBOARD_MESH_SECRET',
        );
      }
      const { MeshBus } = await import('./mesh.js');
      return new MeshBus({ nodeId, listen: mesh.listen, peers: mesh.peers, secret: mesh.secret });
    }
    default:
      throw new SwitchboardError(
        'SB_ERR_CONFIG_INVALID',
        `unsupported bus URL "${url}": use memory, redis://, nats://, amqp://, postgres:// or mesh`,
      );
  }
}
