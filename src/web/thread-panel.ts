/**
 * The thread panel: the root of a thread, its messages in seq order and a composer of its own
 * with "Also send to #room". Beside the message list on a wide screen, over it on a phone.
 * Opening it (or a new message while it is open) marks the thread read for all my devices when
 * I follow it; posting in it follows it (the server does).
 */
import type { SwitchboardClient } from '../client/index.js';
import {
  followThread,
  followedThreads,
  markThreadRead,
  unfollowThread,
} from '../client/message-model.js';
import type { SendTarget } from '../client/types.js';
import { dmPeer, parseChannel } from '../protocol/channels.js';
import type { ChatMessage } from '../protocol/frames.js';
import { byTestId, formatTime, h, userText } from './dom.js';
import { multiLineComposer } from './composer-input.js';
import { renderMessage } from './markdown.js';
import { avatar } from './message-groups.js';

export interface ThreadPanelDeps {
  client(): SwitchboardClient | null;
  me(): string;
  /** `#room` or `@user`. */
  channelName(channel: string): string;
  error(err: unknown): void;
  /** The panel opened or closed (the page's layout follows). */
  toggled(open: boolean): void;
  /** The open thread was marked read here: my unread count in it now. */
  read(channel: string, root: number, unread: number): void;
}

/** Thread messages loaded when the panel opens (older ones: the history page's hasMore). */
const PAGE = 200;

export class ThreadPanel {
  private readonly panel = byTestId('thread-panel');
  private readonly rootEl = byTestId('thread-root');
  private readonly list = byTestId('thread-replies');
  private readonly form = byTestId<HTMLFormElement>('thread-composer');
  private readonly input = byTestId<HTMLTextAreaElement>('thread-input');
  private readonly alsoToRoom = byTestId<HTMLInputElement>('thread-also-room');
  private readonly alsoLabel = byTestId('thread-also-label');
  private readonly fit = multiLineComposer(this.form, this.input);
  private readonly followButton = byTestId<HTMLButtonElement>('thread-follow');
  private channel: string | null = null;
  private root: number | null = null;
  private generation = 0;
  private readonly seqs = new Set<number>();

  constructor(private readonly deps: ThreadPanelDeps) {
    byTestId('thread-close').addEventListener('click', () => this.close());
    this.followButton.addEventListener('click', () => void this.toggleFollow());
    this.panel.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape') this.close();
    });
    this.form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void this.submit();
    });
  }

  /** The open thread, as `channel` and root seq. */
  get current(): { channel: string; root: number } | null {
    return this.channel === null || this.root === null
      ? null
      : { channel: this.channel, root: this.root };
  }

  /** Opens the thread under message `root` of `channel`: its root and messages, then the composer. */
  async open(channel: string, root: number): Promise<void> {
    const c = this.deps.client();
    if (!c) return;
    const gen = ++this.generation;
    this.channel = channel;
    this.root = root;
    this.seqs.clear();
    this.list.replaceChildren();
    this.rootEl.replaceChildren();
    this.alsoToRoom.checked = false;
    this.setFollowing(false);
    this.alsoLabel.textContent = `Also send to ${this.deps.channelName(channel)}`;
    this.panel.hidden = false;
    this.deps.toggled(true);
    this.panel.setAttribute('aria-busy', 'true');
    try {
      const page = await c.history(channel, { thread: root, limit: PAGE });
      if (gen !== this.generation) return;
      if (page.root) this.rootEl.replaceChildren(this.render(page.root));
      for (const m of page.messages) this.add(m);
      const followed = await followedThreads(c, channel);
      if (gen !== this.generation) return;
      this.setFollowing(followed.some((t) => t.root === root));
      this.markRead();
    } catch (err) {
      if (gen === this.generation) this.deps.error(err);
    } finally {
      if (gen === this.generation) this.panel.setAttribute('aria-busy', 'false');
    }
    this.input.focus();
  }

  close(): void {
    if (this.panel.hidden) return;
    this.generation++;
    this.channel = null;
    this.root = null;
    this.panel.hidden = true;
    this.deps.toggled(false);
  }

  /** A message of any channel: shown when it belongs to the open thread. */
  add(msg: ChatMessage): void {
    if (msg.channel !== this.channel || msg.thread !== this.root || this.seqs.has(msg.seq)) return;
    this.seqs.add(msg.seq);
    const el = this.render(msg);
    const after = Array.from(this.list.querySelectorAll<HTMLElement>('[data-seq]')).find(
      (li) => Number(li.dataset.seq) > msg.seq,
    );
    this.list.insertBefore(el, after ?? null);
    el.scrollIntoView({ block: 'nearest' });
  }

  /** A new message in a followed thread: read at once when it is the open one. */
  onThreadNews(channel: string, root: number): boolean {
    if (channel !== this.channel || root !== this.root) return false;
    this.markRead();
    return true;
  }

  /** A message of the open thread (or its root) was deleted: it shows as a tombstone. */
  markDeleted(channel: string, seq: number): void {
    if (channel !== this.channel) return;
    const el = this.panel.querySelector<HTMLElement>(`[data-seq="${seq}"]`);
    if (!el) return;
    el.classList.add('deleted');
    el.querySelector('[data-testid="thread-message-text"]')?.replaceChildren('message deleted');
  }

  private setFollowing(on: boolean): void {
    this.followButton.setAttribute('aria-pressed', String(on));
  }

  /** Follows the open thread, or stops following it. */
  private async toggleFollow(): Promise<void> {
    const c = this.deps.client();
    const { channel, root } = this;
    if (!c || channel === null || root === null) return;
    const on = this.followButton.getAttribute('aria-pressed') !== 'true';
    try {
      if (on) {
        const t = await followThread(c, channel, root);
        this.deps.read(channel, root, t.unread);
      } else {
        await unfollowThread(c, channel, root);
        this.deps.read(channel, root, 0);
      }
      if (channel === this.channel && root === this.root) this.setFollowing(on);
    } catch (err) {
      this.deps.error(err);
    }
  }

  private markRead(): void {
    const c = this.deps.client();
    const last = Math.max(0, ...this.seqs);
    if (!c || this.channel === null || this.root === null || last === 0) return;
    // Not followed (never posted, not the author, unfollowed): nothing to mark.
    markThreadRead(c, this.channel, this.root, last).then(
      (t) => this.deps.read(t.channel, t.root, t.unread),
      () => undefined,
    );
  }

  private async submit(): Promise<void> {
    const c = this.deps.client();
    const text = this.input.value;
    if (!c || this.channel === null || this.root === null || text.trim() === '') return;
    const target = sendTarget(this.channel, this.deps.me());
    if (!target) return;
    const options = { thread: this.root, alsoToRoom: this.alsoToRoom.checked };
    this.input.value = '';
    this.fit();
    try {
      this.add(await c.send(target, text, options));
      // Posting follows the thread (the server does).
      if (options.thread === this.root) this.setFollowing(true);
    } catch (err) {
      this.deps.error(err);
    }
  }

  private render(msg: ChatMessage): HTMLElement {
    const gone = msg.deleted === true;
    return h(
      'li',
      {
        class: `msg${msg.from === this.deps.me() ? ' mine' : ''}${gone ? ' deleted' : ''}`,
        'data-testid': 'thread-message',
        'data-seq': msg.seq,
      },
      h(
        'div',
        { class: 'meta' },
        avatar(msg.from),
        userText('span', { class: 'from' }, msg.from),
        h('time', { datetime: new Date(msg.ts).toISOString() }, formatTime(msg.ts)),
        msg.alsoToRoom ? h('span', { class: 'edited' }, '(also in the room)') : null,
      ),
      h(
        'div',
        { class: 'text', 'data-testid': 'thread-message-text', dir: 'auto' },
        gone ? 'message deleted' : renderMessage(msg.text),
      ),
    );
  }
}

/** The send target of a channel: its room, or the other person of my DM. */
function sendTarget(channel: string, me: string): SendTarget | null {
  const parsed = parseChannel(channel);
  if (parsed?.kind === 'room') return { room: parsed.room };
  if (parsed?.kind === 'dm') return { to: dmPeer(parsed.users, me) };
  return null;
}
