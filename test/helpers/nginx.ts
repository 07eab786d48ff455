/**
 * nginx on loopback for the deploy tests, on a port no other test can take first: picked below
 * the kernel's ephemeral range (32768 and up, where every listen(0) lands), and picked again if
 * nginx still could not bind it. (With a port from listen(0), another test's server once took it
 * between the pick and nginx's bind: nginx exited, and the requests reached that server.)
 */
import { writeFileSync } from 'node:fs';
import { portFree, Proc, waitForPort } from './brokers/common.js';

export interface Nginx {
  port: number;
  proc: Proc;
}

/**
 * Writes `conf(port)` to `confPath` and runs nginx on it in the foreground with prefix `prefix`,
 * resolving once the port opens; up to five ports are tried.
 */
export async function startNginx(
  binary: string,
  confPath: string,
  prefix: string,
  conf: (port: number) => string,
): Promise<Nginx> {
  for (let attempt = 1; ; attempt++) {
    let port = 0;
    do port = 10_000 + Math.floor(Math.random() * 10_000);
    while (!(await portFree(port)));
    writeFileSync(confPath, conf(port));
    const proc = new Proc(binary, ['-c', confPath, '-p', prefix, '-g', 'daemon off; user root;']);
    proc.start();
    try {
      await waitForPort(port, 30_000, proc);
      return { port, proc };
    } catch (err) {
      await proc.stop();
      if (attempt === 5) throw err;
    }
  }
}
