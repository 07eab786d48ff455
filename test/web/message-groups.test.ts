/**
 * The message list's decorations (src/web/message-groups.ts) without a browser: day labels,
 * which messages group, and generated avatars.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatMessage } from '../../src/protocol/frames.js';
import {
  GROUP_MS,
  avatarOf,
  continues,
  dayLabel,
  msToNextDay,
  sameDay,
} from '../../src/web/message-groups.js';

const at = (y: number, m: number, d: number, hh = 12, mm = 0) =>
  new Date(y, m - 1, d, hh, mm).getTime();
const msg = (from: string, ts: number, seq = 1): ChatMessage =>
  ({ channel: 'room:general', seq, from, ts, text: 'x' }) as ChatMessage;

describe('message list decorations', () => {
  const now = at(2026, 3, 10, 9, 30);

  it('knows when the next local day starts, for relabelling "Today" at midnight', () => {
    assert.equal(msToNextDay(at(2026, 3, 10, 23, 59)), 60_000);
    assert.equal(msToNextDay(at(2026, 3, 10, 0, 0)), 24 * 3600_000);
  });

  it('labels today, yesterday and older days', () => {
    assert.equal(dayLabel(at(2026, 3, 10, 0, 1), now), 'Today');
    assert.equal(dayLabel(at(2026, 3, 9, 23, 59), now), 'Yesterday');
    const older = dayLabel(at(2026, 3, 3), now);
    assert.ok(!/Today|Yesterday/.test(older) && /3/.test(older), older);
    assert.ok(!older.includes('2026'), 'no year for this year');
    assert.ok(dayLabel(at(2025, 12, 31), now).includes('2025'), 'the year for another year');
    // Yesterday across a month boundary.
    assert.equal(dayLabel(at(2026, 2, 28, 20), at(2026, 3, 1, 8)), 'Yesterday');
  });

  it('compares local calendar days', () => {
    assert.ok(sameDay(at(2026, 3, 10, 0, 0), at(2026, 3, 10, 23, 59)));
    assert.ok(!sameDay(at(2026, 3, 10, 23, 59), at(2026, 3, 11, 0, 0)));
  });

  it('groups a message with the one before it: same author, same day, within five minutes', () => {
    const first = msg('ann', at(2026, 3, 10, 9, 0));
    assert.equal(continues(undefined, first), false);
    assert.equal(continues(first, msg('ann', first.ts + GROUP_MS - 1)), true);
    assert.equal(continues(first, msg('ann', first.ts + GROUP_MS)), false);
    assert.equal(continues(first, msg('ben', first.ts + 1000)), false);
    const late = msg('ann', at(2026, 3, 10, 23, 58));
    assert.equal(continues(late, msg('ann', at(2026, 3, 11, 0, 1))), false, 'not across midnight');
  });

  it('derives avatar initials and a stable colour from the handle', () => {
    assert.deepEqual(avatarOf('ann').initials, 'A');
    assert.deepEqual(avatarOf('mary-jane').initials, 'MJ');
    assert.deepEqual(avatarOf('ben_o.neil').initials, 'BO');
    assert.deepEqual(avatarOf('émile').initials, 'É');
    assert.equal(avatarOf('ann').colour, avatarOf('ann').colour);
    const colours = new Set(
      ['ann', 'ben', 'cat', 'dan', 'eve', 'fay', 'gus', 'hal', 'ivy', 'jo'].map(
        (h) => avatarOf(h).colour,
      ),
    );
    assert.ok(colours.size >= 4, 'handles spread over the palette');
    for (const c of colours) assert.ok(c >= 0 && c < 8);
  });
});
