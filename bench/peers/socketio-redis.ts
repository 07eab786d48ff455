/**
 * Socket.IO 4 cluster peer: the single-node peer (bench/peers/socketio.ts) plus
 * `@socket.io/redis-adapter` on `REDIS_URL`, so several of these processes form one cluster.
 *
 * - `join 'general'` (with an ack) and `msg` → `io.to('general').emit('msg', text)`, as the
 *   single-node peer.
 * - Every socket joins the room `user:<handle>` on connect; `dm <handle> <text>` →
 *   `io.to('user:<handle>').emit('msg', text)` (one adapter broadcast, published on the
 *   room-specific channel) plus `socket.emit('msg', text)`, the sender's own copy (local, like
 *   Switchboard's `send` reply).
 *
 * With `PEER_STORE` (`sqlite:<file>` or a `postgres://` URL, the runner's `--peer-store`) every
 * room message and DM is first stored (./message-log.ts, one INSERT each, awaited), and what is
 * emitted is the stored row `{id, conversation, from, text, ts}` instead of the bare text: a
 * Socket.IO app that keeps its messages. A message the store refuses is not emitted; the sender
 * gets `store_error` with the reason.
 *
 * Bus counters: every message the adapter's subscriber connection receives on the broadcast
 * pattern (`pmessageBuffer`), split into those published by this process (Redis echoes them
 * back; the adapter drops them after decoding) and those from other nodes. The runner asks for
 * them over IPC (`{t: 'bus'}` → `{t: 'bus', received, fromOthers}`).
 */
import { createServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { dmConversation, openMessageLog } from './message-log.js';
import { announce } from './report.js';

const url = process.env['REDIS_URL'];
if (!url) throw new Error('REDIS_URL is required');
// Opened before the Redis clients: the adapter below must see them still connecting, as it does
// without a store (made after they are ready, it sent commands on the subscriber connection).
const storeSpec = process.env['PEER_STORE'];
const log = storeSpec ? await openMessageLog(storeSpec) : null;
const pub = new Redis(url);
const sub = pub.duplicate();
for (const r of [pub, sub])
  r.on('error', (e: Error) => console.error(`socket.io peer, redis: ${e.message}`));

const http = createServer();
const io = new Server(http, {
  transports: ['websocket'],
  serveClient: false,
  adapter: createAdapter(pub, sub),
});

const bus = { received: 0, fromOthers: 0 };
const adapter = io.of('/').adapter as unknown as { uid: string; channel: string };
const uid = Buffer.from(adapter.uid);
sub.on('pmessageBuffer', (_pattern: Buffer, channel: Buffer, msg: Buffer) => {
  if (!channel.toString().startsWith(adapter.channel)) return;
  bus.received++;
  // msgpack [uid, packet, opts]: the 6-character uid sits in the first bytes
  if (!msg.subarray(0, 16).includes(uid)) bus.fromOthers++;
});
process.on('message', (m: { t?: string }) => {
  if (m.t === 'bus') process.send?.({ t: 'bus', ...bus });
});

io.on('connection', (socket) => {
  const handle = handleOf(socket.handshake.auth);
  socket.data = { handle };
  void socket.join(`user:${handle}`);
  socket.on('join', (room: unknown, ack?: () => void) => {
    if (room === 'general') void socket.join('general');
    if (typeof ack === 'function') ack();
  });
  /** `deliver`s the bare text, or with a store the stored row once it is written. */
  const stored = (conversation: string, text: string, deliver: (m: unknown) => void): void => {
    if (!log) return deliver(text);
    log
      .append(conversation, handle, text)
      .then(deliver, (e: unknown) => socket.emit('store_error', String(e)));
  };
  socket.on('msg', (text: unknown) => {
    if (typeof text === 'string') stored('general', text, (m) => io.to('general').emit('msg', m));
  });
  socket.on('dm', (to: unknown, text: unknown) => {
    if (typeof to !== 'string' || typeof text !== 'string') return;
    stored(dmConversation(handle, to), text, (m) => {
      io.to(`user:${to}`).emit('msg', m);
      socket.emit('msg', m);
    });
  });
});

const ready = (r: Redis): Promise<unknown> =>
  r.status === 'ready' ? Promise.resolve() : new Promise((ok) => r.once('ready', ok));
await Promise.all([ready(pub), ready(sub)]);
http.listen(Number(process.env['PORT'] ?? 0), '127.0.0.1', () => {
  const addr = http.address();
  announce(addr && typeof addr === 'object' ? addr.port : 0);
});

/** The handle a client put in its handshake auth, or '' when it gave none. */
function handleOf(auth: unknown): string {
  const handle = (auth as { handle?: unknown } | undefined)?.handle;
  return typeof handle === 'string' ? handle : '';
}
