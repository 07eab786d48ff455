/**
 * The previous versions of an edited room message, for its room's moderators and above: every
 * text it had, oldest first, each with when it was written (`versions` on the wire). Opened from
 * the message menu; the server decides, and a refusal is shown in words by the caller.
 */
import * as mod from '../client/moderation.js';
import type { SwitchboardClient } from '../client/index.js';
import type { ChatMessage } from '../protocol/frames.js';
import { byTestId, formatTime, h } from './dom.js';

let wired = false;

function wire(d: HTMLDialogElement): void {
  if (wired) return;
  wired = true;
  byTestId('versions-close').addEventListener('click', () => d.close());
}

export async function showVersions(c: SwitchboardClient, msg: ChatMessage): Promise<void> {
  const versions = await mod.messageVersions(c, msg.channel, msg.seq);
  const d = byTestId<HTMLDialogElement>('versions');
  wire(d);
  byTestId('versions-list').replaceChildren(
    ...versions.map((v, i) =>
      h(
        'li',
        { class: 'version', 'data-testid': 'version' },
        h(
          'span',
          { class: 'when' },
          `${i === 0 ? 'Sent' : 'Edited'} ${new Date(v.ts).toLocaleDateString()} ${formatTime(v.ts)}`,
        ),
        h('div', { class: 'text', dir: 'auto' }, v.text),
      ),
    ),
  );
  d.showModal();
}
