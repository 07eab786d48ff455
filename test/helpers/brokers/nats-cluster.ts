/**
 * A private NATS cluster: three `nats-server` processes on ephemeral client, route and monitoring
 * ports, each with a `cluster` block routing to the other two. Ready when every server reports
 * two routes (GET /routez on its monitoring port).
 */
import { Proc, freePort, removeDir, tempDir, waitForPort } from './common.js';
import { natsBinary } from './nats.js';

export interface NatsServerNode {
  /** `nats://127.0.0.1:<port>` */
  url: string;
  /** http://127.0.0.1:<monitoring port> */
  monitor: string;
}

export interface NatsCluster {
  servers: NatsServerNode[];
  /** All three client URLs, comma-separated: the bus URL. */
  url: string;
  /** SIGKILL server `index`. */
  kill(index: number): Promise<void>;
  /** Start server `index` again on its ports; resolves once its routes are back. */
  restart(index: number): Promise<void>;
  /** Names of the clients connected to server `index` (GET /connz). */
  clientsOf(index: number): Promise<string[]>;
  dispose(): Promise<void>;
}

const SETTLE_TIMEOUT_MS = 30_000;

async function json<T>(url: string): Promise<T | null> {
  try {
    const res = await fetch(url);
    return res.ok ? ((await res.json()) as T) : null;
  } catch {
    return null;
  }
}

export async function startNatsCluster(): Promise<NatsCluster> {
  const bin = natsBinary().path;
  const ports = await Promise.all(
    Array.from({ length: 3 }, async () => ({
      client: await freePort(),
      route: await freePort(),
      monitor: await freePort(),
    })),
  );
  const dir = tempDir('nats-cluster');
  const procs = ports.map(
    (p, i) =>
      new Proc(bin, [
        '-n',
        `sb-nats-${i}`,
        '-a',
        '127.0.0.1',
        '-p',
        String(p.client),
        '-m',
        String(p.monitor),
        '-sd',
        `${dir}/${i}`,
        '--cluster_name',
        'sb',
        '--cluster',
        `nats://127.0.0.1:${p.route}`,
        '--routes',
        ports
          .filter((_, j) => j !== i)
          .map((q) => `nats://127.0.0.1:${q.route}`)
          .join(','),
      ]),
  );
  const servers = ports.map((p) => ({
    url: `nats://127.0.0.1:${p.client}`,
    monitor: `http://127.0.0.1:${p.monitor}`,
  }));
  const alive = (i: number) => {
    const c = procs[i]!.child;
    return c !== null && c.exitCode === null && c.signalCode === null;
  };
  /** Every live server has a route to every other live server. */
  const settle = async () => {
    const until = Date.now() + SETTLE_TIMEOUT_MS;
    for (;;) {
      const live = [0, 1, 2].filter(alive);
      const routes = await Promise.all(
        live.map((i) => json<{ num_routes: number }>(`${servers[i]!.monitor}/routez`)),
      );
      if (routes.every((r) => r !== null && r.num_routes >= live.length - 1)) return;
      if (Date.now() > until) throw new Error('nats cluster routes did not form');
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const up = async (i: number) => {
    procs[i]!.start();
    await waitForPort(ports[i]!.client);
  };
  const dispose = async () => {
    await Promise.all(procs.map((p) => p.stop('SIGKILL')));
    removeDir(dir);
  };
  try {
    await Promise.all([0, 1, 2].map(up));
    await settle();
  } catch (err) {
    await dispose();
    throw err;
  }
  return {
    servers,
    url: servers.map((s) => s.url).join(','),
    kill: (i) => procs[i]!.stop('SIGKILL'),
    restart: async (i) => {
      await procs[i]!.stop('SIGKILL');
      await up(i);
      await settle();
    },
    clientsOf: async (i) => {
      const connz = await json<{ connections?: { name?: string }[] }>(
        `${servers[i]!.monitor}/connz`,
      );
      return (connz?.connections ?? []).map((c) => c.name ?? '');
    },
    dispose,
  };
}
