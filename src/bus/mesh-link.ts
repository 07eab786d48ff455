/**
 * One WebSocket between two mesh nodes: the mutual challenge-response handshake, the peer's
 * topic interest, acks, heartbeat and the per-peer send buffer bound. The link only reports
 * events; MeshBus decides which link of a pair is used (see mesh.ts).
 */
import { WebSocket, type RawData } from 'ws';
import type { Logger } from '../logger.js';
import {
  MESH_CLOSE_CODE_ERRORS,
  MeshCloseCode,
  type MeshCloseCodeValue,
} from '../protocol/close-codes.js';
import {
  MESH_PROTOCOL_VERSION,
  type ControlFrame,
  type Role,
  computeProof,
  decodeData,
  encodeControl,
  encodeData,
  newNonce,
  parseControl,
  proofMatches,
} from './mesh-protocol.js';

export interface LinkOptions {
  nodeId: string;
  /** Random id of this process: tells a restarted peer from a duplicate link. */
  instance: string;
  secret: string;
  handshakeTimeoutMs: number;
  pingIntervalMs: number;
  maxBufferedBytes: number;
  logger: Logger;
}

export interface LinkEvents {
  /** The peer proved it holds the secret; `peerId`/`peerInstance` are now trustworthy. */
  authenticated(link: MeshLink): void;
  /** The lower-id peer chose this link for the pair (only the higher id receives this). */
  activateRequested(link: MeshLink): void;
  data(link: MeshLink, topic: string, payload: string): void;
  /** Once per link. `code` is ours when we closed it, else the peer's (1006: dropped). */
  closed(link: MeshLink, code: number): void;
}

/** Frames larger than this before the peer is proven are refused (a hello is ~200 bytes). */
const MAX_HANDSHAKE_FRAME = 1024;
/** How long a closing link may take to finish the close handshake before it is terminated. */
const CLOSE_GRACE_MS = 1000;

type State = 'handshake' | 'authenticated' | 'active' | 'closed';

export class MeshLink {
  readonly role: Role;
  /** Dialled `host:port`, or the remote socket address of an accepted link (for logs). */
  readonly address: string;
  /** Set only once proven by the handshake. */
  peerId: string | null = null;
  peerInstance: string | null = null;
  /** Topics the peer declared (full set at activation, then deltas). */
  readonly remoteTopics = new Set<string>();
  readonly #ws: WebSocket;
  readonly #opts: LinkOptions;
  readonly #events: LinkEvents;
  readonly #nonce = newNonce();
  #peerHello: { node: string; inst: string; nonce: string } | null = null;
  #state: State = 'handshake';
  #closing = false;
  #closeCode: number | null = null;
  /** Last time anything (a frame or a pong) came from the peer. */
  #lastSeen = Date.now();
  #timer: NodeJS.Timeout | null = null;
  #heartbeat: NodeJS.Timeout | null = null;
  readonly #acks = new Map<number, () => void>();
  readonly #gone: (() => void)[] = [];

  constructor(ws: WebSocket, role: Role, address: string, opts: LinkOptions, events: LinkEvents) {
    this.#ws = ws;
    this.role = role;
    this.address = address;
    this.#opts = opts;
    this.#events = events;
    ws.on('message', (data, isBinary) => this.#onMessage(data, isBinary));
    ws.on('pong', () => (this.#lastSeen = Date.now()));
    ws.on('error', (err) => opts.logger.debug({ err, peer: address }, 'mesh socket error'));
    ws.on('close', (code) => this.#onClose(code));
    if (ws.readyState === WebSocket.OPEN) this.#sendHello();
    else ws.once('open', () => this.#sendHello());
    // Covers the whole way to `active`, including the wait for the lower id's decision.
    this.#timer = setTimeout(
      () => this.close(MeshCloseCode.HANDSHAKE_TIMEOUT),
      opts.handshakeTimeoutMs,
    );
    this.#timer.unref();
  }

  get active(): boolean {
    return this.#state === 'active';
  }

  /**
   * Starts using the link: `lead` (the lower id of the pair) announces it first; then our full
   * topic set goes out. Resolves when the peer acknowledged the set (or the link closed).
   */
  activate(lead: boolean, topics: string[], ackId: number): Promise<void> {
    this.#state = 'active';
    this.#clearTimer();
    this.#heartbeat = setInterval(() => this.#beat(), this.#opts.pingIntervalMs);
    this.#heartbeat.unref();
    if (lead) this.#send(encodeControl({ t: 'active' }));
    return this.#request({ t: 'interest', topics, id: ackId });
  }

  /** Resolves when the peer acknowledged (or the link closed). */
  sendSub(topic: string, ackId: number): Promise<void> {
    return this.#request({ t: 'sub', topic, id: ackId });
  }

  sendUnsub(topic: string): void {
    this.#send(encodeControl({ t: 'unsub', topic }));
  }

  /** Queues the payload on the socket; drops the link if the peer is not reading. */
  sendData(topic: string, payload: string): void {
    this.#send(encodeData(topic, payload));
  }

  /** Pings now and drops the link unless the peer answers within `timeoutMs` (zombie check). */
  probe(timeoutMs: number): void {
    if (this.#closing || this.#ws.readyState !== WebSocket.OPEN) return;
    const sent = Date.now();
    this.#ws.ping();
    setTimeout(() => {
      if (this.#lastSeen < sent) this.#terminate(MeshCloseCode.PEER_TIMEOUT);
    }, timeoutMs).unref();
  }

  /** Calls `fn` once the socket is closed (at once if it already is). */
  onGone(fn: () => void): void {
    if (this.#state === 'closed') fn();
    else this.#gone.push(fn);
  }

  /** Closes with one of our codes; messages arriving afterwards are ignored. */
  close(code: MeshCloseCodeValue): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#closeCode = code;
    this.#stopTimers();
    this.#ws.close(code, MESH_CLOSE_CODE_ERRORS[code]);
    setTimeout(() => this.#ws.terminate(), CLOSE_GRACE_MS).unref();
  }

  #terminate(code: MeshCloseCodeValue): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#closeCode = code;
    this.#stopTimers();
    this.#ws.terminate();
  }

  #request(frame: ControlFrame & { id: number }): Promise<void> {
    if (this.#closing) return Promise.resolve();
    const acked = new Promise<void>((resolve) => this.#acks.set(frame.id, resolve));
    this.#send(encodeControl(frame));
    return acked;
  }

  #send(text: string): void {
    if (this.#closing || this.#ws.readyState !== WebSocket.OPEN) return;
    this.#ws.send(text);
    // A stuck peer must not hold memory or other peers hostage: drop it; it will re-dial.
    if (this.#ws.bufferedAmount > this.#opts.maxBufferedBytes) {
      this.#opts.logger.warn(
        { peer: this.peerId, buffered: this.#ws.bufferedAmount },
        'mesh peer is not reading; dropping the link',
      );
      this.#terminate(MeshCloseCode.SLOW_PEER);
    }
  }

  #sendHello(): void {
    const { nodeId, instance } = this.#opts;
    this.#send(
      encodeControl({
        t: 'hello',
        v: MESH_PROTOCOL_VERSION,
        node: nodeId,
        inst: instance,
        nonce: this.#nonce,
      }),
    );
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    if (this.#closing) return;
    this.#lastSeen = Date.now();
    const proven = this.#state === 'authenticated' || this.#state === 'active';
    const size = Array.isArray(data)
      ? data.reduce((n, b) => n + b.length, 0)
      : (data as Buffer).length;
    if (isBinary || (!proven && size > MAX_HANDSHAKE_FRAME)) return this.#reject('bad frame');
    const text = (Array.isArray(data) ? Buffer.concat(data) : (data as Buffer)).toString();
    if (text.startsWith('d')) {
      const frame = this.#state === 'active' ? decodeData(text) : null;
      if (!frame) return this.#reject('data frame out of turn or malformed');
      this.#events.data(this, frame.topic, frame.payload);
      return;
    }
    const frame = parseControl(text);
    if (!frame) return this.#reject('malformed control frame');
    this.#onControl(frame);
  }

  #onControl(frame: ControlFrame): void {
    const state = this.#state;
    if (frame.t === 'hello' && state === 'handshake' && !this.#peerHello) {
      if (frame.v !== MESH_PROTOCOL_VERSION) return this.#reject(`unsupported version ${frame.v}`);
      this.#peerHello = { node: frame.node, inst: frame.inst, nonce: frame.nonce };
      const { nodeId, instance, secret } = this.#opts;
      const proof = computeProof(secret, {
        role: this.role,
        node: nodeId,
        inst: instance,
        peerNode: frame.node,
        nonce: this.#nonce,
        peerNonce: frame.nonce,
      });
      this.#send(encodeControl({ t: 'auth', proof: proof.toString('base64') }));
    } else if (frame.t === 'auth' && state === 'handshake' && this.#peerHello) {
      this.#verify(frame.proof, this.#peerHello);
    } else if (frame.t === 'active' && state === 'authenticated') {
      // Only the lower id of the pair may choose the link.
      if (this.#opts.nodeId < this.peerId!) return this.#reject('active from the higher id');
      this.#events.activateRequested(this);
    } else if (frame.t === 'interest' && state === 'active') {
      this.remoteTopics.clear();
      for (const topic of frame.topics) this.remoteTopics.add(topic);
      this.#send(encodeControl({ t: 'ack', id: frame.id }));
    } else if (frame.t === 'sub' && state === 'active') {
      this.remoteTopics.add(frame.topic);
      this.#send(encodeControl({ t: 'ack', id: frame.id }));
    } else if (frame.t === 'unsub' && state === 'active') {
      this.remoteTopics.delete(frame.topic);
    } else if (frame.t === 'ack' && state === 'active') {
      this.#acks.get(frame.id)?.();
      this.#acks.delete(frame.id);
    } else {
      this.#reject(`unexpected ${frame.t} frame in state ${state}`);
    }
  }

  #verify(proof: string, hello: { node: string; inst: string; nonce: string }): void {
    const expected = computeProof(this.#opts.secret, {
      role: this.role === 'dialer' ? 'acceptor' : 'dialer',
      node: hello.node,
      inst: hello.inst,
      peerNode: this.#opts.nodeId,
      nonce: hello.nonce,
      peerNonce: this.#nonce,
    });
    if (!proofMatches(expected, proof)) {
      // `claimed` is unproven: logged to help an operator, never used.
      this.#opts.logger.warn(
        { peer: this.address, claimed: hello.node, code: MeshCloseCode.AUTH_FAILED },
        'mesh peer failed authentication (wrong secret?); closing',
      );
      return this.close(MeshCloseCode.AUTH_FAILED);
    }
    this.peerId = hello.node;
    this.peerInstance = hello.inst;
    this.#state = 'authenticated';
    this.#events.authenticated(this);
  }

  #reject(why: string): void {
    this.#opts.logger.warn(
      { peer: this.peerId ?? this.address, code: MeshCloseCode.PROTOCOL_ERROR, why },
      'mesh protocol error; closing',
    );
    this.close(MeshCloseCode.PROTOCOL_ERROR);
  }

  #beat(): void {
    if (Date.now() - this.#lastSeen > 2 * this.#opts.pingIntervalMs) {
      return this.#terminate(MeshCloseCode.PEER_TIMEOUT);
    }
    this.#ws.ping();
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #stopTimers(): void {
    this.#clearTimer();
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
  }

  #onClose(code: number): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#closing = true;
    this.#stopTimers();
    for (const resolve of this.#acks.values()) resolve();
    this.#acks.clear();
    this.#events.closed(this, this.#closeCode ?? code);
    for (const fn of this.#gone.splice(0)) fn();
  }
}
