import {
  Proc,
  freePort,
  removeDir,
  requireBinary,
  tempDir,
  waitForPort,
  type Broker,
} from './common.js';

export const natsBinary = () => requireBinary('nats-server', ['/usr/sbin']);

export async function startNats(): Promise<Broker> {
  const bin = natsBinary();
  const port = await freePort();
  const dir = tempDir('nats');
  const proc = new Proc(bin.path, ['-a', '127.0.0.1', '-p', String(port), '-sd', dir]);
  const up = async () => {
    proc.start();
    await waitForPort(port);
  };
  await up();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    kill: () => proc.stop('SIGKILL'),
    restart: async () => (await proc.stop('SIGKILL'), await up()),
    dispose: async () => (await proc.stop('SIGKILL'), removeDir(dir)),
  };
}
