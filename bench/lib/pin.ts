/**
 * CPU pinning for latency runs (`taskset`, util-linux): the servers under test (and their
 * broker) on one core, the runner and the load workers on the other, so neither queues behind
 * the other's work. `-a` pins every thread of a process (libuv's pool, V8's GC helpers).
 */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';

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

/** Pins every thread of each process to `cpu`; a process that exited meanwhile is skipped. */
export function pin(pids: readonly number[], cpu: number): void {
  for (const pid of pids) {
    try {
      execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
    } catch {
      // exited between listing and pinning
    }
  }
}
