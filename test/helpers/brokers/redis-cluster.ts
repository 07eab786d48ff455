/**
 * A private Redis Cluster: 3 masters and 3 replicas (`redis-server --cluster-enabled yes`), each
 * on an ephemeral port with its own temp dir (where it keeps nodes.conf), joined by
 * `redis-cli --cluster create … --cluster-replicas 1`. A short node timeout (1 s) lets a replica
 * take over within a few seconds of its master's death.
 *
 * As a Broker, `kill` SIGKILLs all six and `restart` brings all six back on their ports; the
 * nodes rejoin from their nodes.conf. `killMaster` kills one master and waits for its replica
 * to take over; `revive` brings a killed node back (it rejoins as a replica).
 */
import { spawn } from 'node:child_process';
import {
  Proc,
  freePort,
  removeDir,
  requireBinary,
  tempDir,
  waitForPort,
  type Broker,
} from './common.js';
import { redisServerArgs } from './redis.js';

export const redisClusterBinaries = () => {
  const server = requireBinary('redis-server');
  const cli = requireBinary('redis-cli');
  return { server: server.path, cli: cli.path, skip: server.skip || cli.skip };
};

const NODE_TIMEOUT_MS = 1_000;
const SETTLE_TIMEOUT_MS = 30_000;

export interface RedisCluster extends Broker {
  /** `host:port` of all six nodes. */
  addresses: string[];
  /** SIGKILLs the master that serves `slot` (default: the first master) and waits until its
   * replica has taken over and the cluster is ok again. Returns the killed node's index. */
  killMaster(slot?: number): Promise<number>;
  /** The index of the node that is master of `slot` now. */
  masterOf(slot: number): Promise<number>;
  /** CLUSTER FAILOVER on the replica of `slot`'s master: the two swap roles, both alive. */
  failover(slot: number): Promise<void>;
  /** Starts a killed node again on its port; it rejoins the cluster. */
  revive(index: number): Promise<void>;
}

interface Node {
  port: number;
  dir: string;
  proc: Proc;
}

/** Attempts at starting a node on fresh ports when the last ones were taken meanwhile. */
const START_ATTEMPTS = 3;

/** Runs redis-cli and returns its stdout; rejects on a non-zero exit. */
function cli(bin: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`redis-cli ${args.join(' ')}: ${out}`)),
    );
  });
}

export async function startRedisCluster(): Promise<RedisCluster> {
  const bins = redisClusterBinaries();
  const node = async (dir: string): Promise<Node> => {
    // Its own cluster bus port: the default, port + 10,000, may be taken or above 65,535.
    const [port, busPort] = [await freePort(), await freePort()];
    const proc = new Proc(
      bins.server,
      redisServerArgs(port, dir, [
        '--cluster-enabled',
        'yes',
        '--cluster-port',
        String(busPort),
        '--cluster-config-file',
        'nodes.conf',
        '--cluster-node-timeout',
        String(NODE_TIMEOUT_MS),
      ]),
    );
    return { port, dir, proc };
  };
  const nodes: Node[] = [];
  for (let i = 0; i < 6; i++) nodes.push(await node(tempDir(`redis-cluster-${i}`)));
  const up = async (n: Node) => {
    n.proc.start();
    await waitForPort(n.port, undefined, n.proc);
  };
  /**
   * The first start: a node that exits (its ports taken since they were picked) gets new ones and
   * a new directory (it may have written a nodes.conf).
   */
  const first = async (i: number) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await up(nodes[i]!);
      } catch (err) {
        if (attempt >= START_ATTEMPTS || nodes[i]!.proc.child?.exitCode === null) throw err;
        removeDir(nodes[i]!.dir);
        nodes[i] = await node(tempDir(`redis-cluster-${i}`));
      }
    }
  };
  const redis = (n: Node, ...args: string[]) =>
    cli(bins.cli, ['-h', '127.0.0.1', '-p', String(n.port), ...args]);
  const alive = (n: Node) =>
    n.proc.child !== null && n.proc.child.exitCode === null && n.proc.child.signalCode === null;

  /** Every live node sees the cluster ok, with a master for each slot range that has a replica. */
  const settled = async (): Promise<boolean> => {
    for (const n of nodes.filter(alive)) {
      const info = await redis(n, 'cluster', 'info').catch(() => '');
      if (!/cluster_state:ok/.test(info)) return false;
    }
    return true;
  };
  const settle = async (what: string) => {
    const until = Date.now() + SETTLE_TIMEOUT_MS;
    while (!(await settled())) {
      if (Date.now() > until)
        throw new Error(`redis cluster not ok within ${SETTLE_TIMEOUT_MS} ms: ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  /** The index of the master serving `slot`, from the view of a live node. */
  const masterOf = async (slot: number): Promise<number> => {
    const text = await redis(nodes.find(alive)!, 'cluster', 'nodes');
    for (const line of text.split('\n')) {
      const [, addr, flags, , , , , , ...ranges] = line.split(' ');
      if (!flags?.includes('master') || flags.includes('fail')) continue;
      const serves = ranges.some((r) => {
        const [lo, hi = lo] = r.split('-').map(Number);
        return slot >= lo! && slot <= hi!;
      });
      if (serves) return nodes.findIndex((n) => addr!.startsWith(`127.0.0.1:${n.port}@`));
    }
    throw new Error(`no master serves slot ${slot}`);
  };
  /** The index of the replica of the master serving `slot`. */
  const replicaOf = async (slot: number): Promise<number> => {
    const master = nodes[await masterOf(slot)]!;
    const text = await redis(master, 'cluster', 'nodes');
    const lines = text.split('\n').map((l) => l.split(' '));
    const id = lines.find((l) => l[2]?.includes('myself'))![0];
    const replica = lines.find((l) => l[2]?.includes('slave') && l[3] === id);
    if (!replica) throw new Error(`no replica for slot ${slot}`);
    return nodes.findIndex((n) => replica[1]!.startsWith(`127.0.0.1:${n.port}@`));
  };
  /** Every master has a replica that is in sync (so a failover can happen). */
  const replicated = async () => {
    const until = Date.now() + SETTLE_TIMEOUT_MS;
    for (;;) {
      const roles = await Promise.all(
        nodes.filter(alive).map((n) => redis(n, 'info', 'replication')),
      );
      const masters = roles.filter((r) => /role:master/.test(r));
      if (masters.length === 3 && masters.every((r) => /slave0:.*state=online/.test(r))) return;
      if (Date.now() > until) throw new Error('redis cluster replicas not in sync');
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  try {
    await Promise.all(nodes.map((_, i) => first(i)));
    await cli(bins.cli, [
      '--cluster',
      'create',
      ...nodes.map((n) => `127.0.0.1:${n.port}`),
      '--cluster-replicas',
      '1',
      '--cluster-yes',
    ]);
    await settle('after create');
    await replicated();
  } catch (err) {
    await Promise.all(nodes.map((n) => n.proc.stop('SIGKILL')));
    for (const n of nodes) removeDir(n.dir);
    throw err;
  }

  const addresses = nodes.map((n) => `127.0.0.1:${n.port}`);
  return {
    url: `redis-cluster://${addresses.join(',')}`,
    port: nodes[0]!.port,
    addresses,
    kill: async () => void (await Promise.all(nodes.map((n) => n.proc.stop('SIGKILL')))),
    restart: async () => {
      await Promise.all(nodes.map((n) => n.proc.stop('SIGKILL')));
      await Promise.all(nodes.map((_, i) => first(i)));
      await settle('after restart');
    },
    dispose: async () => {
      await Promise.all(nodes.map((n) => n.proc.stop('SIGKILL')));
      for (const n of nodes) removeDir(n.dir);
    },
    masterOf,
    killMaster: async (slot = 0) => {
      await replicated();
      const index = await masterOf(slot);
      await nodes[index]!.proc.stop('SIGKILL');
      // The others notice after the node timeout; then the replica is elected.
      const until = Date.now() + SETTLE_TIMEOUT_MS;
      while ((await masterOf(slot).catch(() => index)) === index) {
        if (Date.now() > until) throw new Error(`no replica took over slot ${slot}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      await settle('after a master was killed');
      return index;
    },
    failover: async (slot) => {
      await replicated();
      const replica = await replicaOf(slot);
      await redis(nodes[replica]!, 'cluster', 'failover');
      const until = Date.now() + SETTLE_TIMEOUT_MS;
      while ((await masterOf(slot).catch(() => -1)) !== replica) {
        if (Date.now() > until) throw new Error(`CLUSTER FAILOVER did not move slot ${slot}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      await settle('after a manual failover');
    },
    revive: async (index) => {
      await up(nodes[index]!);
      await settle('after a node came back');
    },
  };
}
