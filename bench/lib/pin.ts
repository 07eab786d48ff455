/**
 * CPU pinning for latency runs (`taskset`, util-linux): the servers under test (and their
 * broker) on one core, the runner and the load workers on the other, so neither queues behind
 * the other's work. `-a` pins every thread of a process (libuv's pool, V8's GC helpers).
 *
 * Pinning alone does not keep other work off those cores: on a shared machine (a build, a test
 * run) the scheduler shares each core fairly between sessions (autogroups), and a delivery
 * then waits behind someone else's time slice. So, when asked (`priority`, the bench's
 * `--latency-priority`) and permitted (root), the measured processes also get the highest CFS
 * priority: nice -20 on every thread and on their autogroup (with
 * `kernel.sched_autogroup_enabled`, nice only weighs within a session; the autogroup's own nice
 * weighs sessions against each other). Not realtime: the rest of the machine still runs, it
 * just yields first, and that includes the kernel's own threads that finish an fsync or a
 * socket's work, so on a quiet machine it costs latency (bench/README.md). `prioritized()` says
 * which applied, and the report prints it.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { setPriority } from 'node:os';

/** Why pinning is not possible here, or null when it is. */
export function pinUnavailable(): string | null {
  if (cpus().length < 2) return 'one CPU only';
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'taskset (util-linux) not found';
  }
  return null;
}

/**
 * Pins every thread of each process to `cpu`, and with `priority` raises them to nice -20; a
 * process that exited meanwhile is skipped.
 */
export function pin(pids: readonly number[], cpu: number, priority: boolean): void {
  for (const pid of pids) {
    try {
      execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
    } catch {
      // exited between listing and pinning
    }
  }
  if (priority) prioritize(pids);
  else raised = false;
}

/**
 * Undoes `pin` for processes that outlive a latency run (the runner, the load workers): every
 * CPU again, and normal priority. Their children inherit both, so a runner left on one core
 * would run every later scenario's processes there too.
 */
export function unpin(pids: readonly number[]): void {
  const all = `0-${cpus().length - 1}`;
  for (const pid of pids) {
    try {
      execFileSync('taskset', ['-a', '-p', '-c', all, String(pid)], { stdio: 'ignore' });
    } catch {
      // exited meanwhile
    }
    if (raised) setNice(pid, 0);
  }
}

let raised: boolean | null = null;

/** Whether the last `pin` could raise the measured processes' priority (null: not tried). */
export function prioritized(): boolean | null {
  return raised;
}

/** nice -20 on every thread of each process and on its autogroup; false if not permitted. */
function prioritize(pids: readonly number[]): void {
  let ok = true;
  for (const pid of pids) ok = setNice(pid, -20) && ok;
  raised = (raised ?? true) && ok;
}

/** `nice` on every thread of `pid` and on its autogroup; false if a thread refused it. */
function setNice(pid: number, nice: number): boolean {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return true; // exited, or no /proc
  }
  let ok = true;
  for (const tid of tids) {
    try {
      setPriority(Number(tid), nice);
    } catch {
      ok = false; // EACCES without root; ESRCH when the thread just ended
    }
  }
  try {
    writeFileSync(`/proc/${pid}/autogroup`, String(nice));
  } catch {
    // no autogroup support, or not permitted: thread nice still applies within the session
  }
  return ok;
}
