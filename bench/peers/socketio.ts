/**
 * Socket.IO 4 peer: websocket transport only (no polling upgrade), identity from the handshake
 * `auth.handle`, `join` with an ack, and `msg` broadcast to the room with
 * `io.to('general').emit(...)`, which includes the sender.
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { announce } from './report.js';

const http = createServer();
const io = new Server(http, { transports: ['websocket'], serveClient: false });
io.on('connection', (socket) => {
  socket.data = { handle: handleOf(socket.handshake.auth) };
  socket.on('join', (room: unknown, ack?: () => void) => {
    if (room === 'general') void socket.join('general');
    if (typeof ack === 'function') ack();
  });
  socket.on('msg', (text: unknown) => {
    if (typeof text === 'string') io.to('general').emit('msg', text);
  });
});
http.listen(Number(process.env['PORT'] ?? 0), '127.0.0.1', () => {
  const addr = http.address();
  announce(addr && typeof addr === 'object' ? addr.port : 0);
});

/** The handle a client put in its handshake auth, or '' when it gave none. */
function handleOf(auth: unknown): string {
  const handle = (auth as { handle?: unknown } | undefined)?.handle;
  return typeof handle === 'string' ? handle : '';
}
