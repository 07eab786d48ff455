/**
 * Rooms, roles and moderation on the page, in a real headless Chromium against a real server:
 * a private room that a non-member cannot see or join until invited, the member list with roles,
 * a promotion from the member's context menu, a moderator's delete as a tombstone for everyone
 * (live and from history after a reload), a report reaching the moderators, a mute shown on the
 * composer, and a kick and a ban that take the room away with a notice.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Page } from 'playwright-core';
import {
  describeBrowser,
  eventually,
  openRoom,
  openTracked,
  send,
  texts,
  type User,
  waitForState,
  waitForText,
} from './helpers.js';

let rooms = 0;
const roomName = (prefix: string) => `${prefix}-${++rooms}-${Date.now() % 100_000}`;

/** Creates a room of `kind` with the New room dialog; it opens. */
async function createRoom(page: Page, room: string, kind: string): Promise<void> {
  await page.getByTestId('create-room-open').click();
  await page.getByTestId('create-room-name').fill(room);
  await page.getByTestId(`kind-${kind}`).check();
  await page.getByTestId('create-room-submit').click();
  await page.waitForFunction(
    (ch) =>
      document.querySelector<HTMLElement>('[data-testid="channel-title"]')?.dataset.channel === ch,
    `room:${room}`,
  );
}

async function openMembers(page: Page): Promise<void> {
  const panel = page.getByTestId('member-panel');
  if (await panel.isHidden()) await page.getByTestId('members-toggle').click();
  await panel.waitFor({ state: 'visible' });
}

const member = (page: Page, user: string) =>
  page.locator(`[data-testid="member"][data-user="${user}"]`);

async function roleOf(page: Page, user: string): Promise<string | null> {
  return member(page, user).getAttribute('data-role');
}

/** Invites `user` from the open room's member panel; the room appears in their sidebar. */
async function invite(owner: Page, invitee: User): Promise<void> {
  await openMembers(owner);
  await owner.getByTestId('invite-input').fill(invitee.handle);
  await owner.getByTestId('invite-submit').click();
  await member(owner, invitee.handle).waitFor();
}

/** Runs a member's context-menu action from the "⋯" button, answering its question if any. */
async function memberAction(
  page: Page,
  user: string,
  action: string,
  answer?: { choice?: string; text?: string },
): Promise<void> {
  await openMembers(page);
  await member(page, user).getByTestId('member-menu').click();
  await page.getByTestId('context-menu').getByTestId(action).click();
  if (!answer) return;
  await page.getByTestId('ask').waitFor({ state: 'visible' });
  if (answer.choice) await page.getByTestId('ask-choice').selectOption(answer.choice);
  if (answer.text) await page.getByTestId('ask-input').fill(answer.text);
  await page.getByTestId('ask-ok').click();
}

const message = (page: Page, text: string) =>
  page.locator('[data-testid="message"]', {
    has: page.locator(`[data-testid="message-text"]:text-is("${text}")`),
  });

const roomItem = (page: Page, room: string) =>
  page.locator(`[data-testid="room-item"][data-name="${room}"]`);

describeBrowser('chat page moderation', (env) => {
  const user = (handle: string) => openTracked(env, handle);

  /** A private room of `owner` with the others invited and `mod` promoted to moderator. */
  async function setup(prefix: string, mod: User | null, ...others: User[]) {
    const [owner, ...rest] = others;
    const room = roomName(prefix);
    await createRoom(owner!.page, room, 'private');
    for (const u of [mod, ...rest]) if (u) await invite(owner!.page, u);
    if (mod) {
      await memberAction(owner!.page, mod.handle, 'action-role', { choice: 'moderator' });
      await eventually(
        async () => (await roleOf(owner!.page, mod.handle)) === 'moderator',
        'the promotion',
      );
    }
    for (const u of [mod, ...rest]) {
      if (!u) continue;
      await roomItem(u.page, room).waitFor();
      await openRoom(u.page, room);
    }
    return room;
  }

  it('a private room is invisible to a non-member until invited; roles show and a promotion shows for both', async () => {
    const olga = await user('olga');
    const mike = await user('mike');
    const room = roomName('secret');
    await createRoom(olga.page, room, 'private');

    // Not listed, and the join form cannot get in.
    await mike.page.getByTestId('browse-rooms').click();
    await mike.page.getByTestId('room-browser-list').locator('li').first().waitFor();
    assert.equal(
      await mike.page.locator(`[data-testid="browse-room"][data-name="${room}"]`).count(),
      0,
    );
    await mike.page.keyboard.press('Escape');
    await mike.page.getByTestId('room-input').fill(room);
    await mike.page.getByTestId('room-submit').click();
    await mike.page.getByTestId('toast').waitFor({ state: 'visible' });
    assert.equal(await roomItem(mike.page, room).count(), 0);
    assert.notEqual(
      await mike.page.getByTestId('channel-title').getAttribute('data-channel'),
      `room:${room}`,
    );

    await invite(olga.page, mike);
    await roomItem(mike.page, room).waitFor();
    assert.equal(await roleOf(olga.page, 'olga'), 'owner');
    assert.equal(await roleOf(olga.page, 'mike'), 'member');
    assert.equal(await olga.page.getByTestId('my-role').getAttribute('data-role'), 'owner');
    assert.equal(await member(olga.page, 'mike').getAttribute('data-online'), 'true');

    await openRoom(mike.page, room);
    await openMembers(mike.page);
    await eventually(async () => (await roleOf(mike.page, 'olga')) === 'owner', 'roles for mike');
    assert.equal(await roleOf(mike.page, 'mike'), 'member');
    // A member may not act on the owner: no menu for her.
    assert.equal(await member(mike.page, 'olga').getByTestId('member-menu').count(), 0);

    // Promoted from the owner's context menu (a right click here).
    await openMembers(olga.page);
    await member(olga.page, 'mike').click({ button: 'right' });
    await olga.page.getByTestId('context-menu').getByTestId('action-role').click();
    await olga.page.getByTestId('ask-choice').selectOption('moderator');
    await olga.page.getByTestId('ask-ok').click();
    await eventually(async () => (await roleOf(olga.page, 'mike')) === 'moderator', 'for olga');
    // The server pushes no role change: the panel reads the list again when opened.
    await mike.page.getByTestId('member-panel-close').click();
    await openMembers(mike.page);
    await eventually(async () => (await roleOf(mike.page, 'mike')) === 'moderator', 'for mike');
    assert.equal(await mike.page.getByTestId('my-role').getAttribute('data-role'), 'moderator');
  });

  it('a moderator deletes a third user’s message: a tombstone for everyone, also after a reload', async () => {
    const owner = await user('dora');
    const mod = await user('dmod');
    const third = await user('dtess');
    await setup('tomb', mod, owner, third);
    await send(third.page, 'spam spam spam');
    for (const u of [owner, mod, third]) await waitForText(u.page, 'spam spam spam');
    const seq = await message(mod.page, 'spam spam spam').getAttribute('data-seq');

    await message(mod.page, 'spam spam spam').click({ button: 'right' });
    await mod.page.getByTestId('context-menu').getByTestId('action-delete').click();
    await mod.page.getByTestId('ask-ok').click();
    const tomb = (p: Page) =>
      p.locator(`[data-testid="message"][data-seq="${seq}"] [data-testid="tombstone"]`);
    for (const u of [owner, mod, third]) {
      await tomb(u.page).waitFor();
      assert.ok(!(await texts(u.page)).includes('spam spam spam'));
    }
    assert.equal(await tomb(third.page).textContent(), 'message deleted by a moderator');

    await third.page.reload();
    await waitForState(third.page, 'online');
    await tomb(third.page).waitFor();
    assert.ok(!(await texts(third.page)).includes('spam spam spam'));
    assert.equal(await third.page.locator('[data-testid="message"]').count(), 1);
  });

  it('a member reports a message from the keyboard and the room’s moderators see it', async () => {
    const owner = await user('rosa');
    const mod = await user('rmod');
    const reporter = await user('rtess');
    await setup('rep', mod, owner, reporter);
    await send(owner.page, 'a questionable remark');
    await waitForText(reporter.page, 'a questionable remark');

    const more = message(reporter.page, 'a questionable remark').getByTestId('message-menu');
    await more.focus();
    await reporter.page.keyboard.press('Enter');
    const menu = reporter.page.getByTestId('context-menu');
    await menu.waitFor();
    assert.equal(await menu.getAttribute('role'), 'menu');
    // Someone else's message, a plain member: Reply, Reply in thread, React and Report, no Edit or
    // Delete. Escape closes
    // the menu and gives focus back to the button.
    assert.deepEqual(
      await menu.getByRole('menuitem').evaluateAll((items) => items.map((i) => i.dataset.testid)),
      ['action-reply', 'action-thread', 'action-react', 'action-report'],
    );
    await reporter.page.keyboard.press('Escape');
    await menu.waitFor({ state: 'detached' });
    assert.equal(
      await reporter.page.evaluate(() => document.activeElement?.getAttribute('data-testid')),
      'message-menu',
    );
    await reporter.page.keyboard.press('Enter');
    await reporter.page.keyboard.press('End');
    await reporter.page.keyboard.press('Enter');
    await reporter.page.getByTestId('ask-input').fill('rude');
    await reporter.page.getByTestId('ask-ok').click();

    for (const p of [owner.page, mod.page]) {
      const report = p.getByTestId('report').first();
      await report.waitFor();
      assert.equal(await report.getAttribute('data-reporter'), reporter.handle);
      assert.equal(await report.getAttribute('data-from'), owner.handle);
      assert.equal(await report.getByTestId('report-text').textContent(), 'a questionable remark');
      assert.match((await report.getByTestId('report-by').textContent()) ?? '', /rtess: rude/);
    }
    assert.equal(await reporter.page.getByTestId('report').count(), 0, 'not to a member');
  });

  it('a muted user sees the composer muted; a kick and a ban take the room away with a notice', async () => {
    const owner = await user('kora');
    const target = await user('ktess');
    const room = await setup('mute', null, owner, target);

    await memberAction(owner.page, target.handle, 'action-mute', { choice: '600', text: 'cool' });
    await eventually(
      async () => (await member(owner.page, target.handle).getAttribute('data-muted')) === 'true',
      'the mute in the list',
    );
    // Told at once, before trying to send: the notice and the composer say so.
    await eventually(
      async () =>
        (await target.page.getByTestId('toast').getAttribute('data-code')) === 'SB_ERR_MUTED',
      'the mute notice',
    );
    await target.page.getByTestId('composer-muted').waitFor({ state: 'visible' });
    await send(target.page, 'can I still talk?');
    const failed = target.page.locator('[data-testid="pending-message"][data-state="failed"]');
    await failed.waitFor();
    assert.equal(await failed.getAttribute('data-code'), 'SB_ERR_MUTED');
    const note = target.page.getByTestId('composer-muted');
    await note.waitFor({ state: 'visible' });
    assert.match((await note.textContent()) ?? '', /muted/);
    assert.doesNotMatch((await note.textContent()) ?? '', /SB_ERR/);

    await memberAction(owner.page, target.handle, 'action-kick');
    const toast = target.page.getByTestId('toast');
    await eventually(
      async () => /removed from #/.test((await toast.textContent()) ?? ''),
      'the kick notice',
    );
    await roomItem(target.page, room).waitFor({ state: 'detached' });

    await invite(owner.page, target);
    await roomItem(target.page, room).waitFor();
    await memberAction(owner.page, target.handle, 'action-ban', { choice: '86400' });
    await eventually(
      async () => (await toast.getAttribute('data-code')) === 'SB_ERR_BANNED',
      'the ban notice',
    );
    assert.match((await toast.textContent()) ?? '', /banned from #/);
    await roomItem(target.page, room).waitFor({ state: 'detached' });
    await member(owner.page, target.handle).waitFor({ state: 'detached' });
  });
});
