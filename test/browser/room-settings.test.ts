/**
 * A room's topic and archiving on the page, in a real headless Chromium against a real server:
 * the owner sets the topic from the Room settings menu and every member's header shows it as
 * text; archiving shows an "archived" badge and a read-only composer with a hint to the other
 * member live (and again after a reload), and unarchiving opens the composer again live.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Page } from 'playwright-core';
import {
  describeBrowser,
  eventually,
  joinRoom,
  openRoom,
  openTracked,
  send,
  waitForState,
  waitForText,
} from './helpers.js';

/** Runs an item of the open room's settings menu, answering its question with `text` if any. */
async function roomAction(page: Page, action: string, text?: string): Promise<void> {
  await page.getByTestId('room-settings').click();
  await page.getByTestId('context-menu').getByTestId(action).click();
  if (text === undefined) return;
  await page.getByTestId('ask').waitFor({ state: 'visible' });
  await page.getByTestId('ask-input').fill(text);
  await page.getByTestId('ask-ok').click();
}

const composerDisabled = (page: Page) => page.getByTestId('composer-input').isDisabled();

describeBrowser('room topic and archive on the page', (env) => {
  const user = (handle: string) => openTracked(env, handle);

  it('shows the topic as text, and an archived room read-only to its members until unarchived', async () => {
    const owner = await user('tina');
    const reader = await user('ravi');
    const room = `attic-${Date.now() % 100_000}`;
    await joinRoom(owner.page, room);
    await joinRoom(reader.page, room);
    assert.equal(await reader.page.getByTestId('room-settings').isHidden(), true, 'a member');
    assert.equal(await reader.page.getByTestId('channel-topic').isHidden(), true, 'no topic yet');

    // The owner's menu appears once the member list says she owns it.
    await owner.page.getByTestId('room-settings').waitFor({ state: 'visible' });
    const topic = 'Old <img src=x onerror="window.__pwned=1"> things';
    await roomAction(owner.page, 'edit-topic', topic);
    for (const page of [owner.page, reader.page]) {
      await eventually(
        async () => (await page.getByTestId('channel-topic').textContent()) === topic,
        'the topic',
      );
      assert.equal(await page.getByTestId('channel-topic').locator('img').count(), 0);
    }

    await send(reader.page, 'before the archive');
    await waitForText(owner.page, 'before the archive');
    await roomAction(owner.page, 'archive-room');
    await reader.page.getByTestId('archived-badge').waitFor({ state: 'visible' });
    await eventually(() => composerDisabled(reader.page), 'the composer disabled');
    assert.equal(await reader.page.getByTestId('send').isDisabled(), true);
    assert.equal(
      await reader.page.getByTestId('composer-archived').textContent(),
      'This room is archived; it is read-only.',
    );
    await eventually(() => composerDisabled(owner.page), 'the owner’s composer disabled too');

    // The hello after a reload says it again: no room event needed.
    await reader.page.reload();
    await waitForState(reader.page, 'online');
    await openRoom(reader.page, room);
    await reader.page.getByTestId('archived-badge').waitFor({ state: 'visible' });
    assert.equal(await composerDisabled(reader.page), true);
    assert.equal(await reader.page.getByTestId('channel-topic').textContent(), topic);

    await roomAction(owner.page, 'unarchive-room');
    await reader.page.getByTestId('archived-badge').waitFor({ state: 'hidden' });
    await eventually(async () => !(await composerDisabled(reader.page)), 'the composer enabled');
    assert.equal(await reader.page.getByTestId('composer-archived').isHidden(), true);
    await send(reader.page, 'open again');
    await waitForText(owner.page, 'open again');
    assert.equal(await reader.page.evaluate(() => '__pwned' in window), false);
  });
});
