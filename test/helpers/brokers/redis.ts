import { requireBinary, startSimpleBroker, type Broker } from './common.js';

export const redisBinary = () => requireBinary('redis-server');

/** A private redis-server on loopback that keeps nothing on disk; `extra` before `--dir`. */
export function redisServerArgs(port: number, dir: string, extra: string[] = []): string[] {
  const keepNothing = ['--save', '', '--appendonly', 'no'];
  return ['--port', String(port), '--bind', '127.0.0.1', ...extra, ...keepNothing, '--dir', dir];
}

export function startRedis(): Promise<Broker> {
  return startSimpleBroker(
    redisBinary().path,
    'redis',
    (port, dir) => redisServerArgs(port, dir),
    (port) => `redis://127.0.0.1:${port}`,
  );
}
