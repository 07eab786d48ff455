/**
 * Chooses a Bus by URL. Each backend module (and its driver) is imported only when configured.
 *
 *   ''/memory             single process (MemoryBus)
 *   redis://, rediss://   Redis pub/sub
 *   redis-cluster://a,b   Redis Cluster, sharded pub/sub (rediss-cluster:// for TLS)
 *   nats://a,nats://b     NATS; a list, or one DNS name resolving to several servers
 *   amqp://, amqps://     RabbitMQ
 *   postgres://           PostgreSQL LISTEN/NOTIFY
 *   mesh                  broker-less full mesh between the nodes (needs peers and a secret)
 *   ipc                   the workers of `serve --workers N`, through the primary (set internally)
 */
import { SwitchboardError } from '../errors.js';
import { loadDriver } from '../backend-errors.js';
import type { Logger } from '../logger.js';
import type { Bus } from './bus.js';
import { MemoryBus, MemoryHub } from './memory.js';

export interface BusOptions {
  nodeId: string;
  /** Where a backend that logs (the mesh: links coming and going) writes. Default: silent. */
  logger?: Logger;
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

export async function openBus(url: string, options: BusOptions): Promise<Bus> {
  const { nodeId } = options;
  const scheme = url.includes(':') ? url.slice(0, url.indexOf(':')) : url;
  switch (scheme) {
    case '':
    case 'memory':
      return new MemoryBus(new MemoryHub(), nodeId);
    case 'redis':
    case 'rediss': {
      const { RedisBus } = await loadDriver(() => import('./redis.js'), 'ioredis', 'redis bus');
      return new RedisBus(url, { nodeId });
    }
    case 'redis-cluster':
    case 'rediss-cluster': {
      const { RedisClusterBus } = await loadDriver(
        () => import('./redis-cluster.js'),
        'ioredis',
        'redis-cluster bus',
      );
      return new RedisClusterBus(url, { nodeId });
    }
    case 'nats': {
      const { NatsBus } = await loadDriver(
        () => import('./nats.js'),
        '@nats-io/transport-node',
        'nats bus',
      );
      return new NatsBus(url, { nodeId });
    }
    case 'amqp':
    case 'amqps': {
      const { AmqpBus } = await loadDriver(() => import('./amqp.js'), 'amqplib', 'amqp bus');
      return new AmqpBus(url, { nodeId });
    }
    case 'postgres':
    case 'postgresql': {
      const { PostgresBus } = await loadDriver(() => import('./postgres.js'), 'pg', 'postgres bus');
      return new PostgresBus(url, { nodeId });
    }
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
      return new MeshBus({
        nodeId,
        listen: mesh.listen,
        peers: mesh.peers,
        secret: mesh.secret,
        ...(options.logger ? { logger: options.logger } : {}),
      });
    }
    default:
      throw new SwitchboardError(
        'SB_ERR_CONFIG_INVALID',
        `unsupported bus URL "${url}": use memory, redis://, redis-cluster://, nats://, amqp://, postgres:// or mesh`,
      );
  }
}
