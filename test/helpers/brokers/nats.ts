import { requireBinary, startSimpleBroker, type Broker } from './common.js';

export const natsBinary = () => requireBinary('nats-server', ['/usr/sbin']);

export function startNats(): Promise<Broker> {
  return startSimpleBroker(
    natsBinary().path,
    'nats',
    (port, dir) => ['-a', '127.0.0.1', '-p', String(port), '-sd', dir],
    (port) => `nats://127.0.0.1:${port}`,
  );
}
