import {
  Proc,
  freePort,
  removeDir,
  requireBinary,
  tempDir,
  waitForPort,
  type Broker,
} from './common.js';

export const redisBinary = () => requireBinary('redis-server');

export async function startRedis(): Promise<Broker> {
  const bin = redisBinary();
  const port = await freePort();
  const dir = tempDir('redis');
  const proc = new Proc(bin.path, [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
  ]);
  const up = async () => {
    proc.start();
    await waitForPort(port);
  };
  await up();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill: () => proc.stop('SIGKILL'),
    restart: async () => (await proc.stop('SIGKILL'), await up()),
    dispose: async () => (await proc.stop('SIGKILL'), removeDir(dir)),
  };
}
