/**
 * The floor: a bare `ws` server that broadcasts every text message to every connected client,
 * sender included, with one `client.send(data)` each. No rooms, no identity, no storage.
 */
import { WebSocketServer, WebSocket } from 'ws';
import { announce } from './report.js';

const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(process.env['PORT'] ?? 0) });
wss.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => {
    for (const client of wss.clients) {
      if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
    }
  });
});
wss.on('listening', () => {
  const addr = wss.address();
  announce(addr && typeof addr === 'object' ? addr.port : 0);
});
