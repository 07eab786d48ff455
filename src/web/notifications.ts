/**
 * The Notifications dialog (docs/push.md): this device's push subscription (the service worker
 * /sw.js, the browser's permission, `pushManager.subscribe` with the server's VAPID key, then
 * `push-subscribe`), the user's level and previews, and the open channel's own level and mute.
 * Every change is sent at once and the dialog shows the server's answer.
 */
import type { SwitchboardClient } from '../client/client.js';
import type { NotifySettings } from '../protocol/frames.js';
import { byTestId } from './dom.js';
import { describeError, errorCode } from './login.js';

type Level = NotifySettings['level'];

export class NotificationsDialog {
  private readonly dialog = byTestId<HTMLDialogElement>('notify-dialog');
  private readonly toggle = byTestId<HTMLInputElement>('push-toggle');
  private readonly pushStatus = byTestId('push-status');
  private readonly level = byTestId<HTMLSelectElement>('notify-level');
  private readonly preview = byTestId<HTMLInputElement>('notify-preview');
  private readonly channelName = byTestId('notify-channel-name');
  private readonly channelLevel = byTestId<HTMLSelectElement>('notify-channel-level');
  private readonly mute = byTestId<HTMLSelectElement>('notify-mute');
  private readonly mutedUntil = byTestId('notify-muted-until');
  private readonly error = byTestId('notify-error');
  private channel: string | null = null;

  constructor(
    private readonly client: () => SwitchboardClient | null,
    /** The open channel and how to name it ("#dev", "ann"). */
    private readonly current: () => { channel: string; label: string } | null,
  ) {
    byTestId('notify-open').addEventListener('click', () => this.open());
    byTestId('notify-close').addEventListener('click', () => this.dialog.close());
    this.dialog.addEventListener('click', (ev) => {
      if (ev.target === this.dialog) this.dialog.close();
    });
    byTestId<HTMLFormElement>('notify-form').addEventListener('submit', (ev) =>
      ev.preventDefault(),
    );
    this.toggle.addEventListener('change', () => void this.setDevice(this.toggle.checked));
    this.level.addEventListener('change', () => void this.change({ level: this.level.value }));
    this.preview.addEventListener(
      'change',
      () => void this.change({ preview: this.preview.checked }),
    );
    this.channelLevel.addEventListener(
      'change',
      () =>
        void this.change({ channel: this.channel, channelLevel: this.channelLevel.value || null }),
    );
    this.mute.addEventListener('change', () => {
      const ms = Number(this.mute.value);
      void this.change({ channel: this.channel, mutedUntil: ms > 0 ? Date.now() + ms : null });
    });
  }

  open(): void {
    const current = this.current();
    this.channel = current?.channel ?? null;
    this.channelName.textContent = current ? `In ${current.label}` : 'This conversation';
    if (!this.dialog.open) this.dialog.showModal();
    void this.change({});
    void this.showDevice();
  }

  /** Sends `notify-settings` with `fields` (none: read) and shows the answer. */
  private async change(fields: Record<string, unknown>): Promise<void> {
    const c = this.client();
    if (!c) return;
    try {
      this.render(await c.command<NotifySettings>({ type: 'notify-settings', ...fields } as never));
      this.setError(null);
    } catch (err) {
      this.setError(describeError(err), errorCode(err));
    }
  }

  private render(s: NotifySettings): void {
    this.level.value = s.level;
    this.preview.checked = s.preview;
    const mine = s.channels.find((c) => c.channel === this.channel);
    this.channelLevel.value = (mine?.level ?? '') satisfies Level | '';
    const until = mine?.mutedUntil ?? null;
    if (until === null) this.mute.value = '0';
    this.mutedUntil.textContent =
      until === null ? '' : `Muted until ${new Date(until).toLocaleString()}`;
    this.dialog.dataset.loaded = 'true';
  }

  /** Whether this browser has a subscription, without asking anything. */
  private async showDevice(): Promise<void> {
    if (!('serviceWorker' in navigator) || !('PushManager' in window)) {
      this.toggle.disabled = true;
      return this.setStatus('This browser cannot receive push notifications.');
    }
    const reg = await navigator.serviceWorker.getRegistration('/');
    const sub = await reg?.pushManager.getSubscription();
    this.toggle.checked = Boolean(sub);
    this.setStatus(
      Notification.permission === 'denied' ? 'Notifications are blocked for this site.' : '',
    );
  }

  private async setDevice(on: boolean): Promise<void> {
    const c = this.client();
    if (!c) return;
    this.toggle.disabled = true;
    try {
      if (on) await this.subscribe(c);
      else await this.unsubscribe(c);
      this.setStatus(on ? 'This device gets notifications.' : 'This device gets none.');
    } catch (err) {
      this.toggle.checked = !on;
      this.setStatus(`Could not change this device: ${describeError(err)}`, errorCode(err));
    } finally {
      this.toggle.disabled = false;
    }
  }

  private async subscribe(c: SwitchboardClient): Promise<void> {
    if ((await Notification.requestPermission()) !== 'granted')
      throw new Error('notifications are not allowed for this site');
    const res = await fetch('/api/v1/push/vapid-public-key');
    const body = (await res.json()) as { publicKey?: string; code?: string; detail?: string };
    if (!res.ok || !body.publicKey) throw new Error(body.detail ?? 'push is turned off here');
    const reg = await navigator.serviceWorker.register('/sw.js', { scope: '/' });
    await navigator.serviceWorker.ready;
    const sub = await reg.pushManager.subscribe({
      userVisibleOnly: true,
      // A base64url string is decoded by the browser (Push API: applicationServerKey).
      applicationServerKey: body.publicKey,
    });
    const json = sub.toJSON() as { endpoint: string; keys: { p256dh: string; auth: string } };
    await c.command({ type: 'push-subscribe', endpoint: json.endpoint, keys: json.keys });
  }

  private async unsubscribe(c: SwitchboardClient): Promise<void> {
    const reg = await navigator.serviceWorker.getRegistration('/');
    const sub = await reg?.pushManager.getSubscription();
    if (!sub) return;
    await c.command({ type: 'push-unsubscribe', endpoint: sub.endpoint });
    await sub.unsubscribe();
  }

  private setStatus(text: string, code?: string): void {
    this.pushStatus.textContent = text;
    if (code) this.pushStatus.dataset.code = code;
    else delete this.pushStatus.dataset.code;
  }

  private setError(text: string | null, code?: string): void {
    this.error.textContent = text ?? '';
    this.error.hidden = !text;
    if (code) this.error.dataset.code = code;
    else delete this.error.dataset.code;
  }
}
