/**
 * One WebSocket at a time for the client: opening, framing ("\n"-joined server frames),
 * request/reply correlation, the silent-server timer and reconnect scheduling. The session
 * logic (hello, state, channels) stays in SwitchboardClient.
 */
import { SwitchboardError } from '../errors.js';
import { CloseCode } from '../protocol/close-codes.js';
import type { ServerFrame } from '../protocol/frames.js';
import { backoffDelay } from './backoff.js';
import { PendingRequests } from './pending-requests.js';
import type { ReconnectOptions, WebSocketCtor, WebSocketLike } from './types.js';

const OPEN = 1;
/** Before hello tells us the server's ping interval. */
export const DEFAULT_PING_INTERVAL = 25_000;
/** Silence tolerated beyond the ping interval before the server counts as gone. */
const LIVENESS_GRACE = 10_000;

export interface LinkEvents {
  /** The socket is open; `generation` identifies it. */
  open(generation: number): void;
  frame(frame: ServerFrame): void;
  /** The socket is gone (closed, errored or silent); pending requests are already rejected. */
  lost(code: number, reason: string): void;
}

export class SocketLink {
  readonly requests: PendingRequests;
  /** Increments with every socket; lets async work tell whether its socket is still current. */
  generation = 0;
  pingInterval = DEFAULT_PING_INTERVAL;
  private ws: WebSocketLike | null = null;
  private attempt = 0;
  private livenessTimer: ReturnType<typeof setTimeout> | null = null;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly url: string,
    private readonly WS: WebSocketCtor,
    private readonly backoff: Required<ReconnectOptions>,
    requestTimeout: number,
    private readonly events: LinkEvents,
  ) {
    this.requests = new PendingRequests(requestTimeout);
  }

  /** Opens a socket; throws what the WebSocket constructor throws (e.g. a malformed URL). */
  open(): void {
    this.reconnectTimer = null;
    const ws = new this.WS(this.url);
    const generation = ++this.generation;
    this.ws = ws;
    this.armLiveness();
    ws.onopen = () => {
      if (this.ws === ws) this.events.open(generation);
    };
    ws.onmessage = (ev) => {
      if (this.ws !== ws) return;
      this.armLiveness();
      if (typeof ev.data === 'string') this.onData(ev.data);
    };
    ws.onclose = (ev) => {
      if (this.ws === ws) this.lose(ev.code, ev.reason);
    };
    // A close event always follows an error event; the close decides what happens.
    ws.onerror = () => {};
  }

  /** Calls open() after the next backoff delay. */
  scheduleReconnect(): void {
    const delay = backoffDelay(this.attempt++, this.backoff);
    this.reconnectTimer = setTimeout(() => this.reopen(), delay);
  }

  /** Opens now instead of when the pending reconnect timer fires; false if none is pending. */
  reconnectNow(): boolean {
    if (!this.reconnectTimer) return false;
    clearTimeout(this.reconnectTimer);
    this.reopen();
    return true;
  }

  private reopen(): void {
    try {
      this.open();
    } catch {
      this.lose(1006, 'cannot open');
    }
  }

  /** A hello succeeded: the next drop starts the backoff from minDelay again. */
  established(pingInterval: number): void {
    this.attempt = 0;
    this.pingInterval = pingInterval;
    this.armLiveness();
  }

  /** Closes the socket (if any) without a `lost` event, and cancels a pending reconnect. */
  shutdown(code = 1000, reason = ''): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const ws = this.detach();
    try {
      ws?.close(code, reason);
    } catch {
      /* already closing */
    }
    this.requests.rejectAll(new SwitchboardError('SB_ERR_CONNECTION_CLOSED'));
  }

  /** Closes the socket and reports it lost (so the client reconnects or gives up). */
  drop(code: number, reason: string): void {
    const ws = this.detach();
    if (!ws) return;
    const terminate = (ws as { terminate?: () => void }).terminate;
    try {
      // ws's terminate() does not wait for a close handshake a silent server never completes.
      if (typeof terminate === 'function') terminate.call(ws);
      else ws.close(code, reason);
    } catch {
      /* already closing */
    }
    this.lose(code, reason);
  }

  /** Sends a frame with a fresh id; the reply data, or a SwitchboardError. */
  rpc(frame: Record<string, unknown>, onReply?: (data: unknown) => void): Promise<unknown> {
    const ws = this.ws;
    if (!ws || ws.readyState !== OPEN)
      return Promise.reject(new SwitchboardError('SB_ERR_CONNECTION_CLOSED'));
    const { id, reply } = this.requests.open(onReply);
    try {
      ws.send(JSON.stringify({ ...frame, id }));
    } catch (err) {
      this.requests.reject(
        id,
        new SwitchboardError('SB_ERR_CONNECTION_CLOSED', undefined, { cause: err }),
      );
    }
    return reply;
  }

  /** Sends a frame that has no reply (pong). */
  post(text: string): void {
    try {
      this.ws?.send(text);
    } catch {
      /* closing: the close event follows */
    }
  }

  private lose(code: number, reason: string): void {
    this.detach();
    this.requests.rejectAll(new SwitchboardError('SB_ERR_CONNECTION_CLOSED'));
    this.events.lost(code, reason);
  }

  private onData(data: string): void {
    for (const line of data.split('\n')) {
      if (!line) continue;
      let frame: unknown;
      try {
        frame = JSON.parse(line);
      } catch {
        continue;
      }
      // Not schema-checked: the server is trusted, and unknown types are ignored so that a newer
      // server can add events without breaking older clients.
      if (frame && typeof frame === 'object') this.events.frame(frame as ServerFrame);
    }
  }

  /** "The client notices a silent server": no frame for pingInterval + grace drops the socket. */
  private armLiveness(): void {
    if (this.livenessTimer) clearTimeout(this.livenessTimer);
    this.livenessTimer = setTimeout(
      () => this.drop(CloseCode.PING_TIMEOUT, 'SB_ERR_PING_TIMEOUT'),
      this.pingInterval + LIVENESS_GRACE,
    );
  }

  private detach(): WebSocketLike | null {
    const ws = this.ws;
    this.ws = null;
    if (this.livenessTimer) clearTimeout(this.livenessTimer);
    this.livenessTimer = null;
    // onerror keeps open()'s no-op: closing a socket that is still connecting makes Node's `ws`
    // emit an 'error' afterwards, which with no listener would be an uncaught exception.
    if (ws) ws.onopen = ws.onmessage = ws.onclose = null;
    return ws;
  }
}
