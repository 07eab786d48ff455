/**
 * Child processes a test file starts (servers, brokers) die with it: on a normal exit, and also
 * when the test runner stops the file with a signal (a file over its timeout gets SIGTERM, which
 * runs no 'exit' handlers by default). Without this, a timed-out cluster file leaves its nodes
 * and brokers running and loads the machine for every later test.
 */
const kills = new Set<() => void>();
let installed = false;

function reapAll(): void {
  for (const kill of [...kills]) {
    try {
      kill();
    } catch {
      /* already gone */
    }
  }
  kills.clear();
}

/** Runs `kill` when this process ends, unless the returned function is called first. */
export function reapOnExit(kill: () => void): () => void {
  if (!installed) {
    installed = true;
    process.once('exit', reapAll);
    for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
      process.once(sig, () => {
        reapAll();
        process.kill(process.pid, sig);
      });
    }
  }
  kills.add(kill);
  return () => kills.delete(kill);
}
