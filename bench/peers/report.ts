/**
 * Shared by the peer servers: tell the runner the listening port over IPC and answer `stats`
 * requests with this process's own CPU time and RSS (the runner also reads /proc, as it does
 * for Switchboard, so all three servers are measured the same way).
 */
export function announce(port: number): void {
  process.send?.({ t: 'listening', port });
  process.on('message', (m: { t?: string }) => {
    if (m.t !== 'stats') return;
    const cpu = process.cpuUsage();
    process.send?.({
      t: 'stats',
      cpuMs: (cpu.user + cpu.system) / 1000,
      rss: process.memoryUsage.rss(),
    });
  });
  process.on('disconnect', () => process.exit(0));
  // An orderly exit on the runner's SIGTERM, so that `--cpu-prof` (BENCH_PEER_NODE_ARGS) writes
  // its profile; without a handler the signal ends the process before it can.
  process.on('SIGTERM', () => process.exit(0));
}
