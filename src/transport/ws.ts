/**
 * WebSocket transport on the `ws` library, attached to an existing HTTP server at one path.
 *
 * `ws` is the de-facto Node WebSocket server (RFC 6455 compliant, UTF-8 validation, maxPayload
 * enforcement); uWebSockets.js would be faster but is not published on the npm registry.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type {
  AcceptHandler,
  ConnectionEvents,
  Transport,
  TransportConnection,
} from './transport.js';
import { sendShared } from './ws-frame.js';

export interface WsTransportOptions {
  server: Server;
  /** Upgrade path. Default /ws. */
  path?: string;
  /** Largest inbound message; larger closes with 1009. */
  maxPayload: number;
  /** After close(), terminate the socket if the peer has not completed the close in this many ms. Default 5000. */
  closeGrace?: number;
  /**
   * Decides whether an upgrade request may proceed; a refusal answers `403` with this body
   * (JSON) and no WebSocket. Default: every request proceeds.
   */
  admit?: (req: IncomingMessage) => { ok: true } | { ok: false; body: string };
}

class WsConnection implements TransportConnection {
  readonly remoteAddress: string;

  constructor(
    private readonly ws: WebSocket,
    remoteAddress: string | undefined,
    private readonly closeGrace: number,
  ) {
    this.remoteAddress = remoteAddress ?? '';
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  send(data: string | Buffer): void {
    if (this.ws.readyState !== 1) return;
    // A Buffer is sent as a text frame without re-encoding: batches are encoded once per channel,
    // and framed once for all their recipients (./ws-frame.ts).
    if (typeof data !== 'string' && sendShared(this.ws, data)) return;
    this.ws.send(data, { binary: false });
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState >= 2) return;
    this.ws.close(code, reason);
    // A client that stopped reading never completes the closing handshake.
    setTimeout(() => this.ws.terminate(), this.closeGrace).unref();
  }
}

const EVENTS = Symbol('switchboard.events');
type TaggedSocket = WebSocket & { [EVENTS]: ConnectionEvents };
const noop = (): void => {};

// Shared listeners (ws calls them with `this` = the socket): no closures per connection, and
// nothing keeps the upgrade request alive once the handshake is done.
function onMessage(this: WebSocket, data: Buffer, isBinary: boolean): void {
  const events = (this as TaggedSocket)[EVENTS];
  if (isBinary) events.onBinary();
  else events.onText(data.toString('utf8'));
}
function onClose(this: WebSocket, code: number): void {
  (this as TaggedSocket)[EVENTS].onClose(code);
}
/** RFC 6455 §5.5.2: a ping is answered with a pong of the same data (ws's autoPong is off). */
function onPing(this: WebSocket, data: Buffer): void {
  if (this.readyState === 1) this.pong(data, false);
}

/** Outside the upgrade handler's scope on purpose: see above. */
function attach(ws: WebSocket, remote: string, accept: AcceptHandler, closeGrace: number): void {
  const tagged = ws as TaggedSocket;
  tagged[EVENTS] = accept(new WsConnection(ws, remote, closeGrace));
  ws.on('message', onMessage);
  // `on`, not `once`: ws emits close once, and once() wraps every listener in a bound function
  // and a state object (~150 bytes per connection).
  ws.on('close', onClose);
  ws.on('ping', onPing);
  // Protocol errors (bad UTF-8, oversize) make ws close the socket with 1007/1009 itself.
  ws.on('error', noop);
}

export class WsTransport implements Transport {
  private wss: WebSocketServer | null = null;
  private onUpgrade: ((req: IncomingMessage, socket: Duplex, head: Buffer) => void) | null = null;

  constructor(private readonly opts: WsTransportOptions) {}

  async start(accept: AcceptHandler): Promise<void> {
    const path = this.opts.path ?? '/ws';
    const closeGrace = this.opts.closeGrace ?? 5000;
    const wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.opts.maxPayload,
      perMessageDeflate: false,
      clientTracking: false,
      // ws's autoPong keeps a closure per socket; onPing above answers pings instead.
      autoPong: false,
    });
    this.wss = wss;
    this.onUpgrade = (req, socket, head) => {
      const url = req.url ?? '';
      const q = url.indexOf('?');
      if ((q < 0 ? url : url.slice(0, q)) !== path) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      socket.on('error', noop);
      const verdict = this.opts.admit?.(req) ?? { ok: true };
      if (!verdict.ok) {
        socket.end(
          'HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Type: application/json\r\n' +
            `Content-Length: ${Buffer.byteLength(verdict.body)}\r\n\r\n${verdict.body}`,
        );
        return;
      }
      const remote = req.socket.remoteAddress ?? '';
      wss.handleUpgrade(req, socket, head, (ws) => attach(ws, remote, accept, closeGrace));
    };
    this.opts.server.on('upgrade', this.onUpgrade);
  }

  async close(): Promise<void> {
    if (this.onUpgrade) this.opts.server.off('upgrade', this.onUpgrade);
    this.onUpgrade = null;
    await new Promise<void>((res) => (this.wss ? this.wss.close(() => res()) : res()));
    this.wss = null;
  }
}
