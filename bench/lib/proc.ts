/**
 * Reads a process's CPU time and RSS from /proc, the same way for all three servers
 * (Linux only). CPU is utime + stime of all threads, in clock ticks (usually 10 ms). Also the
 * machine's per-CPU steal (`cpuTimes`, `stealPct`).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let tickMs: number | undefined;

function clockTickMs(): number {
  if (tickMs === undefined) {
    let hz = 100;
    try {
      hz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      // getconf missing: Linux's USER_HZ is 100 on every common build
    }
    tickMs = 1000 / hz;
  }
  return tickMs;
}

/** The utime, stime, cutime and cstime fields of /proc/<pid>/stat, in clock ticks. */
function cpuTicks(pid: number): number[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // comm (field 2) may hold spaces: split after its closing parenthesis; utime/stime are 14/15,
  // cutime/cstime 16/17
  return stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .slice(11, 15)
    .map(Number);
}

/** Total CPU time (user + system) in ms. */
export function cpuMs(pid: number): number {
  const [utime = 0, stime = 0] = cpuTicks(pid);
  return (utime + stime) * clockTickMs();
}

/**
 * cpuMs plus that of the process's children that exited and were waited for (cutime + cstime),
 * which the kernel adds to the parent when it reaps them.
 */
export function cpuWithReapedMs(pid: number): number {
  return cpuTicks(pid).reduce((a, b) => a + b, 0) * clockTickMs();
}

/**
 * Steal and total time of each CPU so far, in clock ticks, from /proc/stat (`cpuN` lines): steal
 * is time the hypervisor ran something else while this virtual CPU had work. Empty where
 * /proc/stat cannot be read.
 */
export function cpuTimes(): { steal: number; total: number }[] {
  let stat: string;
  try {
    stat = readFileSync('/proc/stat', 'utf8');
  } catch {
    return [];
  }
  const out: { steal: number; total: number }[] = [];
  for (const line of stat.split('\n')) {
    const m = /^cpu(\d+) (.*)$/.exec(line);
    if (!m) continue;
    // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already
    // counted in user and nice
    const f = m[2]!.trim().split(/\s+/).map(Number).slice(0, 8);
    out[Number(m[1])] = { steal: f[7] ?? 0, total: f.reduce((a, b) => a + b, 0) };
  }
  return out;
}

/**
 * Steal between two `cpuTimes()` readings, % of the CPU time in between: of CPU `cpu`, or of all
 * CPUs together when not given. 0 when there is nothing to compare.
 */
export function stealPct(
  before: ReturnType<typeof cpuTimes>,
  after: ReturnType<typeof cpuTimes>,
  cpu?: number,
): number {
  let steal = 0;
  let total = 0;
  after.forEach((b, i) => {
    const a = before[i];
    if (!a || (cpu !== undefined && i !== cpu)) return;
    steal += b.steal - a.steal;
    total += b.total - a.total;
  });
  return total > 0 ? (100 * steal) / total : 0;
}

/** Resident set size in bytes. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return m ? Number(m[1]) * 1024 : NaN;
}

/** Parent pid of every live process, from /proc (Linux only). */
function parents(): Map<number, number> {
  const out = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      out.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited while we looked
    }
  }
  return out;
}

/**
 * CPU ms of every live descendant of `root` by pid, leaving out the subtrees of `exclude`: with
 * the runner as root and the nodes and load workers excluded, that is the brokers (redis-server,
 * nats-server, beam.smp, postgres and its backends). Each counts with its reaped children
 * (cpuWithReapedMs): a PostgreSQL backend that exits between two readings moves its CPU into the
 * postmaster's, so a difference of two readings stays right (it went negative when the exited
 * backend's time simply vanished from the sum: bench cluster-dm rows on PostgreSQL). A process
 * whose parent is outside `root`'s tree, or that exits unreaped, is not counted.
 */
export function descendantsCpu(root: number, exclude: number[]): Map<number, number> {
  const ppid = parents();
  const skip = new Set(exclude);
  const out = new Map<number, number>();
  for (const pid of ppid.keys()) {
    let p: number | undefined = pid;
    let inside = false;
    while (p !== undefined && p > 1) {
      if (skip.has(p)) break;
      p = ppid.get(p);
      if (p === root) {
        inside = true;
        break;
      }
    }
    if (!inside) continue;
    try {
      out.set(pid, cpuWithReapedMs(pid));
    } catch {
      // exited
    }
  }
  return out;
}

/** descendantsCpu summed. */
export function descendantsCpuMs(root: number, exclude: number[]): number {
  let total = 0;
  for (const ms of descendantsCpu(root, exclude).values()) total += ms;
  return total;
}

/** Every live descendant of `root`, leaving out `exclude` and their subtrees. */
export function descendants(root: number, exclude: number[] = []): number[] {
  const ppid = parents();
  const skip = new Set(exclude);
  const out: number[] = [];
  for (const pid of ppid.keys()) {
    if (skip.has(pid)) continue;
    let p = ppid.get(pid);
    while (p !== undefined && p > 1 && !skip.has(p)) {
      if (p === root) {
        out.push(pid);
        break;
      }
      p = ppid.get(p);
    }
  }
  return out;
}
