/**
 * One load client per server kind, behind one small interface. Each calls `onDelivery(sentAt)`
 * for every chat message it receives (the payload text starts with the sender's timestamp).
 */
import WebSocket from 'ws';
import { io } from 'socket.io-client';
import type { ServerKind } from './ipc.js';

export interface ClientHooks {
  /** A chat message arrived; `sentAt` is the sender's clock when it was sent (ms). */
  onDelivery(sentAt: number): void;
  /** The server answered with an error (after the client was ready). */
  onError(detail: string): void;
  /** A frame that is not a chat message nor needed by the client (e.g. a member event). */
  onOther(count: number): void;
  /** The connection closed after it was ready. */
  onDrop(detail: string): void;
}

export interface ClientOptions {
  url: string;
  n: number;
  /** Switchboard: resume room:general after this seq in hello; null: no resume. */
  resumeAfter: number | null;
  /** Switchboard: session token from an earlier hello; null: claim the handle `u<n>`. */
  token: string | null;
  /** Switchboard: a JWT to hello with (wins over token and handle); null: none. */
  jwt?: string | null;
}

export interface LoadClient {
  /** Settles when connected, identified and joined (and, for a resume, synced). */
  readonly ready: Promise<void>;
  send(text: string, cid: string): void;
  /** A direct message to the user `u<to>` (the sender gets its own copy back, see README). */
  sendDm(to: number, text: string, cid: string): void;
  close(): void;
  /** Session token to reconnect with, once ready (Switchboard only). */
  readonly token: string | null;
}

type Factory = (o: ClientOptions, h: ClientHooks) => LoadClient;

/** Bare ws: the server echoes every text message to everyone, sender included. */
const wsFloor: Factory = (o, h) => {
  const ws = new WebSocket(`${o.url}/?handle=u${o.n}`);
  const ready = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.on('error', reject); // later errors: ws emits close too
  });
  ready.then(
    () => ws.on('close', (code) => h.onDrop(`ws-floor close ${code}`)),
    () => undefined,
  );
  ws.on('message', (data) => h.onDelivery(parseFloat((data as Buffer).toString())));
  const send = (text: string): void => ws.send(text);
  const sendDm = (_to: number, text: string): void => send(text); // the floor has no users
  return { ready, send, sendDm, close: () => ws.terminate(), token: null };
};

/** Socket.IO 4, websocket transport only; identity in the handshake `auth`, join with an ack. */
const socketio: Factory = (o, h) => {
  const socket = io(o.url, {
    transports: ['websocket'],
    forceNew: true, // one engine per client, not one multiplexed connection per process
    reconnection: false,
    auth: { handle: `u${o.n}` },
  });
  const ready = new Promise<void>((resolve, reject) => {
    socket.once('connect', () => socket.emit('join', 'general', () => resolve()));
    socket.once('connect_error', reject);
  });
  ready.then(
    () => socket.on('disconnect', (reason) => h.onDrop(`socket.io ${reason}`)),
    () => undefined,
  );
  // The bare text, or the stored row `{text, …}` from the storing peer (--peer-store).
  socket.on('msg', (m: string | { text: string }) =>
    h.onDelivery(parseFloat(typeof m === 'string' ? m : m.text)),
  );
  socket.on('store_error', (detail: unknown) => h.onError(`socket.io ${String(detail)}`));
  return {
    ready,
    send: (text) => socket.emit('msg', text),
    sendDm: (to, text) => socket.emit('dm', `u${to}`, text),
    close: () => socket.disconnect(),
    token: null,
  };
};

/** Matches the payload in a `message` frame and in the sender's `send` reply alike. */
const TEXT_RE = /"text":"([0-9.]+)\|/;
const TYPE_RE = /^\{"type":"([a-z]+)"/;
/** Frames the load client ignores; skipped unparsed to keep client CPU low. */
const IGNORED = new Set(['member', 'presence', 'typing', 'read']);

interface ControlFrame {
  type: string;
  id?: number;
  code?: string;
  data?: { token?: string };
}

/** Substrings of every frame the client must look at; a message without them is all noise. */
const NEEDED = ['"text":"', '"type":"reply"', '"type":"error"', '"type":"synced"', '"type":"ping"'];

/** Frames in a WebSocket message made only of ignorable frames, else -1. Scans bytes, no decode. */
function ignorableFrames(buf: Buffer): number {
  if (NEEDED.some((s) => buf.includes(s))) return -1;
  let n = 1;
  for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

/** Switchboard protocol v1: hello, join general, optionally resume; frames are "\n"-joined. */
const switchboard: Factory = (o, h) => {
  const ws = new WebSocket(`${o.url}/ws`);
  let nextId = 3;
  let token: string | null = null;
  let helloOk = false;
  let joinOk = false;
  let synced = o.resumeAfter === null;
  let isReady = false;
  let settle: { resolve: () => void; reject: (e: Error) => void } | undefined;
  const ready = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  const check = (): void => {
    if (!isReady && helloOk && joinOk && synced) {
      isReady = true;
      settle?.resolve();
    }
  };
  const fail = (detail: string): void => {
    if (isReady) h.onError(detail);
    else settle?.reject(new Error(detail));
  };
  ws.once('open', () => {
    const resume =
      o.resumeAfter === null ? {} : { resume: [{ channel: 'room:general', after: o.resumeAfter }] };
    const who = o.jwt
      ? { jwt: o.jwt }
      : o.token === null
        ? { handle: `u${o.n}` }
        : { token: o.token };
    ws.send(
      JSON.stringify({ type: 'hello', id: 1, protocol: 1, ...who, presence: false, ...resume }),
    );
  });
  ws.on('message', (data: Buffer) => {
    const noise = ignorableFrames(data);
    if (noise > 0) {
      h.onOther(noise);
      return;
    }
    for (const frame of String(data).split('\n')) {
      const m = TEXT_RE.exec(frame);
      if (m) {
        h.onDelivery(parseFloat(m[1] ?? ''));
        continue;
      }
      const type = TYPE_RE.exec(frame)?.[1];
      if (type !== undefined && IGNORED.has(type)) {
        h.onOther(1);
        continue;
      }
      const f = JSON.parse(frame) as ControlFrame;
      if (f.type === 'ping') ws.send('{"type":"pong"}');
      else if (f.type === 'synced') synced = true;
      else if (f.type === 'error') fail(`switchboard ${f.code ?? '?'} (id ${f.id ?? '-'})`);
      else if (f.type === 'reply' && f.id === 1) {
        helloOk = true;
        token = f.data?.token ?? null;
        ws.send(JSON.stringify({ type: 'join', id: 2, room: 'general' }));
      } else if (f.type === 'reply' && f.id === 2) joinOk = true;
      check();
    }
  });
  ws.on('error', (e) => fail(`switchboard ws error: ${e.message}`));
  ws.once('close', (code, reason) => {
    if (isReady) h.onDrop(`switchboard close ${code} ${String(reason)}`);
    else settle?.reject(new Error(`switchboard closed ${code} ${String(reason)} before ready`));
  });
  return {
    ready,
    send: (text, cid) =>
      ws.send(JSON.stringify({ type: 'send', id: nextId++, room: 'general', text, cid })),
    sendDm: (to, text, cid) =>
      ws.send(JSON.stringify({ type: 'send', id: nextId++, to: `u${to}`, text, cid })),
    close: () => ws.terminate(),
    get token() {
      return token;
    },
  };
};

export const clientFactories: Record<ServerKind, Factory> = {
  'ws-floor': wsFloor,
  socketio,
  switchboard,
};
