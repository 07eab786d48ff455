/**
 * Network namespaces joined by veth pairs, for tests that need a real network between processes
 * (test/cluster/netns.test.ts): each namespace has its own interfaces, addresses and nftables
 * rules, so a test can add loss to one link or cut it off. Needs root and `ip`/`nft`; under
 * CI=true their absence fails the run, elsewhere the test skips visibly (see `netnsSkip`).
 *
 * Every namespace, and with it every veth end inside it, is deleted by `dispose`, and also when
 * the test process exits or is killed by the runner (reaper.ts).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { findBinary } from './brokers/common.js';
import { reapOnExit } from './reaper.js';

/** Why the namespace tests cannot run here, or false. Throws under CI=true instead of skipping. */
export function netnsSkip(): string | false {
  let reason: string | false = false;
  if (process.getuid?.() !== 0) reason = 'network namespaces need root';
  else if (!findBinary('ip', ['/usr/sbin', '/sbin'])) reason = 'ip (iproute2) not installed';
  else if (!findBinary('nft', ['/usr/sbin', '/sbin'])) reason = 'nft (nftables) not installed';
  if (reason && process.env.CI === 'true') throw new Error(`${reason}; required under CI=true`);
  return reason;
}

function run(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input });
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

export class Netns {
  private constructor(readonly name: string) {}

  /** `ip netns exec <name>` as an argv prefix. */
  get prefix(): string[] {
    return ['ip', 'netns', 'exec', this.name];
  }

  static create(name: string): Netns {
    run('ip', ['netns', 'add', name]);
    const ns = new Netns(name);
    ns.ip('link', 'set', 'lo', 'up');
    return ns;
  }

  ip(...args: string[]): string {
    return run('ip', ['-n', this.name, ...args]);
  }

  /** Loads an nftables script (`nft -f -`) in this namespace. */
  nft(script: string): void {
    run('ip', ['netns', 'exec', this.name, 'nft', '-f', '-'], script);
  }

  /** Runs a command in this namespace to completion; its exit status. */
  exec(cmd: string, args: string[]): number {
    return (
      spawnSync('ip', ['netns', 'exec', this.name, cmd, ...args], { stdio: 'ignore' }).status ?? -1
    );
  }

  /** Starts a command in this namespace (`ip netns exec` execs it: same pid, signals reach it). */
  spawn(cmd: string, args: string[]): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', this.name, cmd, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const forget = reapOnExit(() => child.kill('SIGKILL'));
    child.once('exit', forget);
    return child;
  }

  delete(): void {
    spawnSync('ip', ['netns', 'delete', this.name], { stdio: 'ignore' });
  }
}

/** One link: a veth pair with an address on each end (a /30 of its own). */
export interface Link {
  /** Interface name on side a / side b. */
  a: string;
  b: string;
  addrA: string;
  addrB: string;
}

/**
 * A set of namespaces with a unique prefix per run (`sb<hex>`), so that runs on one machine never
 * collide, and point-to-point links between them or to the host (`null`). Addresses come from
 * 10.<200-249>.<link>.0/30, chosen per run.
 */
export class NetnsLab {
  readonly id = randomBytes(3).toString('hex');
  private readonly spaces: Netns[] = [];
  private readonly hostLinks: string[] = [];
  private readonly net = 200 + (randomBytes(1)[0]! % 50);
  private links = 0;
  private readonly forget = reapOnExit(() => this.dispose());

  namespace(role: string): Netns {
    const ns = Netns.create(`sb${this.id}${role}`);
    this.spaces.push(ns);
    return ns;
  }

  /** A veth pair between `a` and `b` (null: the host), both ends up with their addresses. */
  link(a: Netns | null, b: Netns): Link {
    const k = ++this.links;
    const ends = { a: `v${this.id}${k}a`, b: `v${this.id}${k}b` };
    const addrA = `10.${this.net}.${k}.1`;
    const addrB = `10.${this.net}.${k}.2`;
    run('ip', ['link', 'add', ends.a, 'type', 'veth', 'peer', 'name', ends.b]);
    if (a === null) this.hostLinks.push(ends.a);
    else run('ip', ['link', 'set', ends.a, 'netns', a.name]);
    run('ip', ['link', 'set', ends.b, 'netns', b.name]);
    const ipA = (...args: string[]) => (a === null ? run('ip', args) : a.ip(...args));
    ipA('addr', 'add', `${addrA}/30`, 'dev', ends.a);
    ipA('link', 'set', ends.a, 'up');
    b.ip('addr', 'add', `${addrB}/30`, 'dev', ends.b);
    b.ip('link', 'set', ends.b, 'up');
    return { ...ends, addrA, addrB };
  }

  /** Deletes every namespace (and the veths in them) and the host ends of links. */
  dispose(): void {
    for (const ns of this.spaces.splice(0)) ns.delete();
    for (const dev of this.hostLinks.splice(0))
      spawnSync('ip', ['link', 'delete', dev], { stdio: 'ignore' });
    this.forget();
  }
}
