/**
 * Reads a process's CPU time and RSS from /proc, the same way for all three servers
 * (Linux only). CPU is utime + stime of all threads, in clock ticks (usually 10 ms).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

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

/** Total CPU time (user + system) in ms. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // comm (field 2) may hold spaces: split after its closing parenthesis; utime/stime are 14/15
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * clockTickMs();
}

/** Resident set size in bytes. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return m ? Number(m[1]) * 1024 : NaN;
}
