/**
 * The service worker (/sw.js, built by scripts/build-web.mjs): shows a push notification
 * (payload: docs/push.md) and, on a click, focuses an open page of this site (or opens one)
 * and asks it to open the channel. Typed by hand: the DOM library has no worker scope.
 */

interface PushPayload {
  v: number;
  kind: 'dm' | 'mention' | 'thread';
  channel: string;
  seq: number;
  from: string;
  text?: string;
}

interface WindowClientLike {
  url: string;
  focus(): Promise<unknown>;
  postMessage(message: unknown): void;
}

interface ExtendableEventLike extends Event {
  waitUntil(p: Promise<unknown>): void;
}

interface SwScope {
  registration: {
    showNotification(title: string, options: Record<string, unknown>): Promise<void>;
  };
  clients: {
    matchAll(options: {
      type: 'window';
      includeUncontrolled: boolean;
    }): Promise<WindowClientLike[]>;
    openWindow(url: string): Promise<unknown>;
    claim(): Promise<void>;
  };
  skipWaiting(): Promise<void>;
  addEventListener(
    type: 'push',
    fn: (ev: ExtendableEventLike & { data: { json(): unknown } | null }) => void,
  ): void;
  addEventListener(
    type: 'notificationclick',
    fn: (ev: ExtendableEventLike & { notification: { data: unknown; close(): void } }) => void,
  ): void;
  addEventListener(type: 'install' | 'activate', fn: (ev: ExtendableEventLike) => void): void;
}

const sw = self as unknown as SwScope;

/** "ann", "ann in #dev" or "ann replied in #dev". */
function title(p: PushPayload): string {
  if (p.channel.startsWith('dm:')) return p.from;
  const room = `#${p.channel.slice('room:'.length)}`;
  return p.kind === 'thread' ? `${p.from} replied in ${room}` : `${p.from} in ${room}`;
}

sw.addEventListener('install', (ev) => ev.waitUntil(sw.skipWaiting()));
sw.addEventListener('activate', (ev) => ev.waitUntil(sw.clients.claim()));

sw.addEventListener('push', (ev) => {
  let p: PushPayload;
  try {
    p = ev.data?.json() as PushPayload;
  } catch {
    return;
  }
  if (!p || typeof p.channel !== 'string') return;
  ev.waitUntil(
    sw.registration.showNotification(title(p), {
      body: p.text ?? (p.kind === 'dm' ? 'New direct message' : 'New message'),
      // One notification per channel: a newer one replaces it.
      tag: p.channel,
      renotify: true,
      data: { channel: p.channel, seq: p.seq },
    }),
  );
});

sw.addEventListener('notificationclick', (ev) => {
  ev.notification.close();
  const data = ev.notification.data as { channel?: string } | null;
  const message = { type: 'switchboard-open', channel: data?.channel };
  ev.waitUntil(
    sw.clients.matchAll({ type: 'window', includeUncontrolled: true }).then(async (pages) => {
      const page = pages[0];
      if (!page) return sw.clients.openWindow('/');
      await page.focus();
      page.postMessage(message);
      return undefined;
    }),
  );
});
