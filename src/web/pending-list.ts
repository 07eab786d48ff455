/**
 * The open channel's messages that are not stored yet, below the stored ones: the SDK outbox's
 * queued and sending entries ("Sending…", or "Waiting for the connection…" while offline) and
 * the failed ones, with Retry and Discard. Re-rendered from the SDK's list on every change.
 */
import type { PendingSend } from '../client/index.js';
import { dmChannel, roomChannel } from '../protocol/channels.js';
import { h, userText } from './dom.js';
import { renderMessage } from './markdown.js';

export interface PendingActions {
  retry(cid: string): void;
  discard(cid: string): void;
  /** "Not sent: …" in plain words. */
  describe(error: NonNullable<PendingSend['error']>): string;
}

/** The channel a pending send is for, from the sender `me`'s side. */
export function pendingChannel(p: PendingSend, me: string): string {
  return 'room' in p.target ? roomChannel(p.target.room) : dmChannel(me, p.target.to);
}

export class PendingList {
  constructor(
    private readonly list: HTMLElement,
    private readonly actions: PendingActions,
  ) {}

  /** Shows the entries of `channel`; returns how many there are. */
  render(
    entries: readonly PendingSend[],
    channel: string | null,
    me: string,
    online: boolean,
  ): number {
    const mine = entries.filter((p) => channel !== null && pendingChannel(p, me) === channel);
    this.list.replaceChildren(...mine.map((p) => this.item(p, me, online)));
    this.list.hidden = mine.length === 0;
    return mine.length;
  }

  private item(p: PendingSend, me: string, online: boolean): HTMLElement {
    const failed = p.state === 'failed';
    const status = failed
      ? `Not sent: ${this.actions.describe(p.error!)}`
      : online
        ? 'Sending…'
        : 'Waiting for the connection…';
    return h(
      'li',
      {
        class: `msg mine pending${failed ? ' failed' : ''}`,
        'data-testid': 'pending-message',
        'data-cid': p.cid,
        'data-state': p.state,
        'data-code': p.error?.code,
      },
      h(
        'div',
        { class: 'meta' },
        userText('span', { class: 'from' }, me),
        h('span', { class: 'status', 'data-testid': 'pending-status' }, status),
      ),
      // Formatted as it will be once sent, so nothing jumps when it is.
      h(
        'div',
        { class: 'text', 'data-testid': 'pending-text', dir: 'auto' },
        renderMessage(p.text),
      ),
      failed ? this.buttons(p.cid) : null,
    );
  }

  private buttons(cid: string): HTMLElement {
    const retry = h(
      'button',
      { type: 'button', class: 'link', 'data-testid': 'pending-retry' },
      'Retry',
    );
    const discard = h(
      'button',
      { type: 'button', class: 'link', 'data-testid': 'pending-discard' },
      'Discard',
    );
    retry.addEventListener('click', () => this.actions.retry(cid));
    discard.addEventListener('click', () => this.actions.discard(cid));
    return h('div', { class: 'actions' }, retry, discard);
  }
}
