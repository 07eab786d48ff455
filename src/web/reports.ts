/**
 * Reports for moderators: each `report` the server sends (a message reported in a room this
 * user moderates, or anywhere for a server admin) as an entry with the channel, the author, an
 * excerpt, the reporter and the reason; Open goes to the channel, Dismiss removes the entry.
 * Kept for this page only: the audit log has them all.
 */
import type { ReportEvent } from '../protocol/frames.js';
import { parseChannel } from '../protocol/channels.js';
import { byTestId, formatTime, h, userText } from './dom.js';

const EXCERPT = 140;

export class ReportList {
  private readonly section = byTestId('reports');
  private readonly list = byTestId('report-list');
  private readonly count = byTestId('report-count');

  constructor(private readonly openChannel: (channel: string) => void) {}

  add(r: ReportEvent): void {
    const parsed = parseChannel(r.channel);
    const where = parsed?.kind === 'room' ? `#${parsed.room}` : 'a direct message';
    const excerpt = r.text.length > EXCERPT ? `${r.text.slice(0, EXCERPT)}…` : r.text;
    const open = h(
      'button',
      { type: 'button', class: 'link', 'data-testid': 'report-open' },
      'Open',
    );
    const dismiss = h(
      'button',
      { type: 'button', class: 'link', 'data-testid': 'report-dismiss' },
      'Dismiss',
    );
    const li = h(
      'li',
      {
        class: 'report',
        'data-testid': 'report',
        'data-channel': r.channel,
        'data-seq': r.seq,
        'data-from': r.from,
        'data-reporter': r.reporter,
      },
      h(
        'div',
        { class: 'meta' },
        userText('span', { class: 'where' }, `${where} · ${r.from}`),
        h('time', { datetime: new Date(r.ts).toISOString() }, formatTime(r.ts)),
      ),
      userText('div', { class: 'text', 'data-testid': 'report-text' }, excerpt),
      userText(
        'div',
        { class: 'by', 'data-testid': 'report-by' },
        `Reported by ${r.reporter}${r.reason ? `: ${r.reason}` : ''}`,
      ),
      h('div', { class: 'actions' }, open, dismiss),
    );
    open.addEventListener('click', () => this.openChannel(r.channel));
    dismiss.addEventListener('click', () => {
      li.remove();
      this.update();
    });
    this.list.prepend(li);
    this.update();
  }

  clear(): void {
    this.list.replaceChildren();
    this.update();
  }

  private update(): void {
    const n = this.list.childElementCount;
    this.section.hidden = n === 0;
    this.count.textContent = String(n);
  }
}
