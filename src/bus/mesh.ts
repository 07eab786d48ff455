/**
 * Broker-less bus: every node listens for its peers and dials each of them (a full mesh of
 * authenticated WebSockets), tells them which topics it wants, and sends each payload only to
 * the peers that want its topic. A payload received from a peer is delivered locally and never
 * forwarded, so one hop is the whole route.
 *
 * One link per pair: both nodes dial each other, so a pair may briefly hold two sockets. The
 * lower node id of the pair alone decides which one is used (it sends `active` on it) and
 * closes the other with SB_ERR_MESH_DUPLICATE_LINK; deciding on one side means the two sides
 * never disagree, and nothing is sent twice. A link from a new process of the same node (a restart)
 * supersedes the old one.
 *
 * Mapping of the Bus contract (src/bus/bus.ts) onto a mesh: "the backend" is the set of peer
 * links. Losing a link is not fatal; the dialer re-dials with capped exponential backoff and
 * jitter, and when a link to a peer that was linked before is back (re-authenticated, both
 * topic sets exchanged and acknowledged) `onReconnect` is called. `ready()` is true from the
 * moment the listener is bound until close, even with no peer reachable: readiness means the
 * node can serve its local clients, and a lone node must not fail its health check because a
 * peer is down.
 */
import { randomUUID } from 'node:crypto';
import { WebSocket } from 'ws';
import { backoffDelay } from '../backoff.js';
import { SwitchboardError } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import { MeshCloseCode } from '../protocol/close-codes.js';
import { BusBase } from './bus-base.js';
import type { Bus } from './bus.js';
import { MeshLink, type LinkEvents, type LinkOptions } from './mesh-link.js';
import { listenForPeers, type PeerListener } from './mesh-listener.js';

export interface MeshBusOptions {
  /** Unique in the cluster; the lower id of each pair chooses the pair's link. */
  nodeId: string;
  /** Where peers reach this node. Port 0 picks a free port (see `port`). */
  listen: { host: string; port: number };
  /** `host:port` of the other nodes' listeners; this node's own address is ignored. */
  peers: string[];
  /** Shared by every node; proves membership in the handshake. At least 16 characters. */
  secret: string;
  /** Default: silent. */
  logger?: Logger;
  /** First re-dial delay in ms; doubles per failed attempt. Default 100. */
  retryMinMs?: number;
  /** Cap of the re-dial delay in ms. Default 5000. Each delay is jittered to 50-100 %. */
  retryMaxMs?: number;
  /** Time for a new socket to become an active link, in ms. Default 5000. */
  handshakeTimeoutMs?: number;
  /** Heartbeat ping interval in ms; two missed pongs drop the link. Default 10000. */
  pingIntervalMs?: number;
  /** Bytes a peer may have unsent before its link is dropped. Default 16 MiB. */
  maxBufferedBytes?: number;
  /** Largest incoming frame in bytes. Default 16 MiB. */
  maxPayloadBytes?: number;
  /** Longest wait for peers to acknowledge a subscribe, in ms. Default 5000. */
  ackTimeoutMs?: number;
}

interface Dialer {
  address: string;
  /** Learned from the first authenticated link to this address. */
  peerId: string | null;
  attempt: number;
  timer: NodeJS.Timeout | null;
  link: MeshLink | null;
  /** The address is this node's own listener. */
  self: boolean;
}

const MiB = 1024 * 1024;

export class MeshBus extends BusBase implements Bus {
  readonly #opts: Required<Omit<MeshBusOptions, 'logger'>> & { logger: Logger };
  readonly #instance = randomUUID();
  /** Every socket, from accept/dial to close. */
  readonly #links = new Set<MeshLink>();
  /** The one link used per peer id. */
  readonly #active = new Map<string, MeshLink>();
  readonly #everLinked = new Set<string>();
  readonly #dialers: Dialer[] = [];
  readonly #dialerOf = new Map<MeshLink, Dialer>();
  #listener: PeerListener | null = null;
  #port: number;
  #ackSeq = 0;
  #dataIn = 0;
  #dataOut = 0;

  constructor(options: MeshBusOptions) {
    if (!options.nodeId)
      throw new SwitchboardError('SB_ERR_CONFIG_INVALID', 'mesh nodeId is empty');
    if (typeof options.secret !== 'string' || options.secret.length < 16) {
      throw new SwitchboardError('SB_ERR_CONFIG_INVALID', 'mesh secret needs 16+ characters');
    }
    super(options.nodeId, { name: 'mesh' });
    this.#port = options.listen.port;
    this.#opts = {
      retryMinMs: 100,
      retryMaxMs: 5000,
      handshakeTimeoutMs: 5000,
      pingIntervalMs: 10_000,
      maxBufferedBytes: 16 * MiB,
      maxPayloadBytes: 16 * MiB,
      ackTimeoutMs: 5000,
      ...options,
      logger: options.logger ?? silentLogger,
    };
  }

  /** The bound listener port (the real one when `listen.port` was 0 and the bus started). */
  get port(): number {
    return this.#port;
  }

  /** Ids of the peers with an active link now. */
  linkedPeers(): string[] {
    return [...this.#active.keys()];
  }

  /** Data frames received from and sent to peers since start (for tests and metrics). */
  get stats(): { dataIn: number; dataOut: number } {
    return { dataIn: this.#dataIn, dataOut: this.#dataOut };
  }

  protected async connect(): Promise<void> {
    const { host, port } = this.#opts.listen;
    this.#listener = await listenForPeers(host, port, this.#opts.maxPayloadBytes, (ws, address) =>
      this.#track(new MeshLink(ws, 'acceptor', address, this.#linkOptions(), this.#events)),
    );
    this.#port = this.#listener.port;
    const own = ownAddresses(host, this.#port);
    for (const address of new Set(this.#opts.peers)) {
      if (own.has(address)) continue;
      const dialer: Dialer = {
        address,
        peerId: null,
        attempt: 0,
        timer: null,
        link: null,
        self: false,
      };
      this.#dialers.push(dialer);
      this.#dial(dialer);
    }
    this.#opts.logger.info({ node: this.nodeId, port: this.#port }, 'mesh bus listening');
  }

  protected async disconnect(): Promise<void> {
    for (const dialer of this.#dialers) if (dialer.timer) clearTimeout(dialer.timer);
    const links = [...this.#links];
    const gone = links.map((link) => new Promise<void>((resolve) => link.onGone(resolve)));
    for (const link of links) link.close(MeshCloseCode.SHUTTING_DOWN);
    await Promise.all(gone);
    await this.#listener?.close();
  }

  /**
   * Always: readiness means the node can serve its local clients, and a lone node must not
   * fail its health check because a peer is down.
   */
  protected connected(): boolean {
    return true;
  }

  /** Resolves once every linked peer knows: a publish from any of them after this reaches us. */
  protected async listen(topic: string): Promise<void> {
    const id = ++this.#ackSeq;
    const acked = [...this.#active.values()].map((link) => link.sendSub(topic, id));
    await withTimeout(Promise.all(acked), this.#opts.ackTimeoutMs);
  }

  /** Payloads still in flight for the topic are filtered out locally (see `deliver`). */
  protected async unlisten(topic: string): Promise<void> {
    for (const link of this.#active.values()) link.sendUnsub(topic);
  }

  /**
   * Resolves once the payload is queued on the socket of every interested peer (synchronously;
   * no per-send callback). No interested peer is not an error: there is nobody to tell.
   */
  protected async send(topic: string, payload: string): Promise<void> {
    for (const link of this.#active.values()) {
      if (!link.remoteTopics.has(topic)) continue;
      this.#dataOut++;
      link.sendData(topic, payload);
    }
  }

  protected override handlerThrew(err: unknown, topic: string): void {
    this.#opts.logger.error({ err, topic }, 'mesh bus handler threw');
  }

  readonly #events: LinkEvents = {
    authenticated: (link) => this.#onAuthenticated(link),
    activateRequested: (link) => {
      const existing = this.#active.get(link.peerId!);
      if (existing && existing !== link) existing.close(MeshCloseCode.SUPERSEDED);
      this.#activate(link, false);
    },
    data: (_link, topic, payload) => {
      this.#dataIn++;
      this.deliver(topic, payload);
    },
    closed: (link, code) => this.#onClosed(link, code),
  };

  #onAuthenticated(link: MeshLink): void {
    const peer = link.peerId!;
    const dialer = this.#dialerOf.get(link);
    if (dialer) dialer.peerId = peer;
    if (peer === this.nodeId) {
      if (link.peerInstance === this.#instance) {
        if (dialer) dialer.self = true;
        this.#opts.logger.info(
          { address: link.address },
          'mesh peer address is this node; ignored',
        );
        return link.close(MeshCloseCode.SELF);
      }
      this.#opts.logger.error({ address: link.address }, 'another mesh node uses this node id');
      return link.close(MeshCloseCode.NODE_ID_CONFLICT);
    }
    if (this.nodeId > peer) return; // the peer decides; its `active` (or a close) follows
    const existing = this.#active.get(peer);
    if (existing && existing.peerInstance === link.peerInstance) {
      // Same process: a surplus socket. Check the kept one is not a zombie the peer already lost.
      existing.probe(this.#opts.handshakeTimeoutMs);
      return link.close(MeshCloseCode.DUPLICATE_LINK);
    }
    if (existing) existing.close(MeshCloseCode.SUPERSEDED); // the peer restarted
    this.#activate(link, true);
  }

  #activate(link: MeshLink, lead: boolean): void {
    const peer = link.peerId!;
    this.#active.set(peer, link);
    const again = this.#everLinked.has(peer);
    this.#everLinked.add(peer);
    for (const dialer of this.#dialers) if (dialer.peerId === peer) dialer.attempt = 0;
    this.#opts.logger.info({ peer, via: link.role }, 'mesh peer linked');
    void link.activate(lead, [...this.topics], ++this.#ackSeq).then(() => {
      if (!again || this.closed || this.#active.get(peer) !== link) return;
      this.#opts.logger.info({ peer }, 'mesh peer link restored');
      this.reconnected();
    });
  }

  #onClosed(link: MeshLink, code: number): void {
    this.#links.delete(link);
    const peer = link.peerId;
    if (peer !== null && this.#active.get(peer) === link) {
      this.#active.delete(peer);
      if (!this.closed) this.#opts.logger.warn({ peer, code }, 'mesh peer link lost');
      // Wake the idle dialers of this peer (the peer may also dial us; the lower id picks one).
      for (const dialer of this.#dialers) {
        if (dialer.peerId === peer && !dialer.link) this.#schedule(dialer, this.#delay(0));
      }
    } else if (!this.closed && code !== MeshCloseCode.DUPLICATE_LINK) {
      this.#opts.logger.debug({ peer: peer ?? link.address, code }, 'mesh socket closed');
    }
    const dialer = this.#dialerOf.get(link);
    if (!dialer) return;
    this.#dialerOf.delete(link);
    dialer.link = null;
    if (code === MeshCloseCode.AUTH_FAILED || code === MeshCloseCode.NODE_ID_CONFLICT) {
      this.#opts.logger.error({ address: dialer.address, code }, 'mesh peer refused this node');
    }
    if (!dialer.self) this.#schedule(dialer, this.#delay(dialer.attempt++));
  }

  #dial(dialer: Dialer): void {
    dialer.timer = null;
    if (this.closed || dialer.self || dialer.link) return;
    // Idle while the peer is linked (through any socket); its loss wakes us.
    if (dialer.peerId !== null && this.#active.has(dialer.peerId)) return;
    const ws = new WebSocket(`ws://${dialer.address}/`, {
      perMessageDeflate: false,
      handshakeTimeout: this.#opts.handshakeTimeoutMs,
      maxPayload: this.#opts.maxPayloadBytes,
    });
    const link = new MeshLink(ws, 'dialer', dialer.address, this.#linkOptions(), this.#events);
    dialer.link = link;
    this.#dialerOf.set(link, dialer);
    this.#track(link);
  }

  #schedule(dialer: Dialer, delayMs: number): void {
    if (this.closed) return;
    if (dialer.timer) clearTimeout(dialer.timer);
    dialer.timer = setTimeout(() => this.#dial(dialer), delayMs);
    dialer.timer.unref();
  }

  /** The shared backoff (src/backoff.ts), 50-100 % jitter: restarted peers do not dial in step. */
  #delay(attempt: number): number {
    const { retryMinMs, retryMaxMs } = this.#opts;
    return backoffDelay(attempt, { minMs: retryMinMs, maxMs: retryMaxMs, jitter: 0.5 });
  }

  #track(link: MeshLink): void {
    if (this.closed) link.close(MeshCloseCode.SHUTTING_DOWN);
    else this.#links.add(link);
  }

  #linkOptions(): LinkOptions {
    const o = this.#opts;
    return {
      nodeId: this.nodeId,
      instance: this.#instance,
      secret: o.secret,
      handshakeTimeoutMs: o.handshakeTimeoutMs,
      pingIntervalMs: o.pingIntervalMs,
      maxBufferedBytes: o.maxBufferedBytes,
      logger: o.logger,
    };
  }
}

/** Spellings of this node's own listener that may appear in `peers`. */
function ownAddresses(host: string, port: number): Set<string> {
  const local = ['127.0.0.1', 'localhost', '[::1]', '0.0.0.0', '[::]'];
  const hosts = local.includes(host) || host === '::' || host === '::1' ? local : [host];
  return new Set(hosts.map((h) => `${h}:${port}`));
}

/** Resolves when `promise` settles or after `ms`, whichever is first. */
function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    void promise.finally(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
