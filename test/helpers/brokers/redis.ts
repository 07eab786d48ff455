import { requireBinary, startSimpleBroker, type Broker } from './common.js';

export const redisBinary = () => requireBinary('redis-server');

export function startRedis(): Promise<Broker> {
  return startSimpleBroker(
    redisBinary().path,
    'redis',
    (port, dir) => [
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
    ],
    (port) => `redis://127.0.0.1:${port}`,
  );
}
