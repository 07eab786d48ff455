/**
 * The mesh listener: an HTTP server that upgrades peer sockets and answers everything else with
 * 426. Browsers are refused with 403 before any handshake (they always send `Origin`; peers
 * never do), so a web page cannot even start talking to the mesh port.
 */
import { createServer } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { SwitchboardError } from '../errors.js';

export interface PeerListener {
  /** The bound port (the real one when 0 was asked for). */
  readonly port: number;
  /** Stops accepting and drops any socket still attached to the HTTP server. */
  close(): Promise<void>;
}

/** Rejects SB_ERR_BACKEND_UNAVAILABLE (the listen error as `cause`) when the port is taken. */
export async function listenForPeers(
  host: string,
  port: number,
  maxPayloadBytes: number,
  accept: (ws: WebSocket, remoteAddress: string) => void,
): Promise<PeerListener> {
  const server = createServer((_req, res) => res.writeHead(426).end());
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: maxPayloadBytes,
  });
  server.on('upgrade', (req, socket, head) => {
    if (req.headers.origin !== undefined) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) =>
      accept(ws, `${req.socket.remoteAddress}:${req.socket.remotePort}`),
    );
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    throw new SwitchboardError(
      'SB_ERR_BACKEND_UNAVAILABLE',
      `mesh bus cannot listen on ${host}:${port}`,
      { cause: err },
    );
  }
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
