/**
 * A TCP relay that delays every chunk by a fixed time in each direction, keeping the byte order:
 * latency on a link for kernels without the netem qdisc (test/cluster/netns.test.ts).
 * Usage: node --import tsx delay-relay.ts <listen port> <target host> <target port> <delay ms>
 * Prints "relay listening" once it accepts connections.
 */
import { connect, createServer, type Socket } from 'node:net';

const [listenPort, host, targetPort, delay] = process.argv.slice(2);
const ms = Number(delay);

/** Same delay for every chunk: timers of equal duration fire in the order they were set. */
function forward(from: Socket, to: Socket): void {
  from.on('data', (chunk) => setTimeout(() => to.destroyed || to.write(chunk), ms));
  from.on('end', () => setTimeout(() => to.end(), ms));
  from.on('close', () => setTimeout(() => to.destroy(), ms));
  from.on('error', () => {});
}

createServer((client) => {
  const upstream = connect(Number(targetPort), host);
  forward(client, upstream);
  forward(upstream, client);
}).listen(Number(listenPort), '0.0.0.0', () => console.log('relay listening'));
