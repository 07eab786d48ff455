/**
 * Threads on the page, in a real headless Chromium against a real server: "Reply in thread"
 * opens a panel beside the list with the root, its messages and a composer of its own; a
 * thread-only reply stays out of the room's list and shows on the root as "1 reply · last
 * reply …", with an unread badge for the root's author until they open the thread; "Also send
 * to #room" puts it in the list too. On a phone the panel covers the list; its Follow toggle
 * says whether I follow the thread. Axe-clean.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Page } from 'playwright-core';
import { axeSerious, describeBrowser, joinRoom, openTracked, send } from './helpers.js';

const message = (page: Page, text: string) =>
  page.locator('[data-testid="message"]', {
    has: page.locator(`[data-testid="message-text"]:text-is("${text}")`),
  });

async function replyInThread(page: Page, text: string): Promise<void> {
  const m = message(page, text);
  await m.hover();
  await m.getByTestId('message-menu').click();
  await page.getByTestId('context-menu').getByTestId('action-thread').click();
  await page.getByTestId('thread-panel').waitFor({ state: 'visible' });
}

async function postInThread(page: Page, text: string, alsoToRoom = false): Promise<void> {
  await page.getByTestId('thread-also-room').setChecked(alsoToRoom);
  await page.getByTestId('thread-input').fill(text);
  await page.getByTestId('thread-input').press('Enter');
  await page
    .getByTestId('thread-replies')
    .locator(`[data-testid="thread-message-text"]:text-is("${text}")`)
    .waitFor();
}

describeBrowser('chat page threads', (env) => {
  const user = (handle: string, viewport?: { width: number; height: number }) =>
    openTracked(env, handle, viewport, { bypassCSP: true });

  it('answers in a thread panel: the root counts replies, the author gets a badge, alsoToRoom shows in the room', async () => {
    const ann = await user('thea');
    const bob = await user('theo');
    const room = `threads-${Date.now() % 100_000}`;
    await joinRoom(ann.page, room);
    await joinRoom(bob.page, room);
    await send(ann.page, 'release on friday?');
    await message(bob.page, 'release on friday?').waitFor();

    await replyInThread(bob.page, 'release on friday?');
    const root = bob.page.getByTestId('thread-root').getByTestId('thread-message-text');
    assert.equal(await root.textContent(), 'release on friday?');
    assert.equal(
      await bob.page.getByTestId('thread-also-label').textContent(),
      `Also send to #${room}`,
    );
    await postInThread(bob.page, 'only if tests pass');
    // Out of the room's list, counted on the root, for both; a badge for the root's author.
    const summary = message(ann.page, 'release on friday?').getByTestId('thread-summary');
    await summary.waitFor();
    assert.match((await summary.textContent()) ?? '', /^1 reply · last reply /);
    await summary.getByTestId('thread-unread').waitFor();
    assert.equal(await message(ann.page, 'only if tests pass').count(), 0);
    assert.equal(await message(bob.page, 'only if tests pass').count(), 0);
    assert.deepEqual(await axeSerious(bob.page), [], 'the open panel passes axe');

    await summary.click();
    await ann.page.getByTestId('thread-panel').waitFor({ state: 'visible' });
    await ann.page
      .getByTestId('thread-replies')
      .locator('[data-testid="thread-message-text"]:text-is("only if tests pass")')
      .waitFor();
    await summary.getByTestId('thread-unread').waitFor({ state: 'detached' });

    await postInThread(ann.page, 'they pass: shipping', true);
    await message(bob.page, 'they pass: shipping').waitFor();
    await bob.page
      .getByTestId('thread-replies')
      .locator('[data-testid="thread-message-text"]:text-is("they pass: shipping")')
      .waitFor();
    const bobSummary = message(bob.page, 'release on friday?').getByTestId('thread-summary');
    await bobSummary.locator('text=/^2 replies/').waitFor();

    // After a reload history brings the count and keeps the thread-only message out.
    await bob.page.reload();
    await message(bob.page, 'they pass: shipping').waitFor();
    assert.match(
      (await message(bob.page, 'release on friday?').getByTestId('thread-summary').textContent()) ??
        '',
      /^2 replies/,
    );
    assert.equal(await message(bob.page, 'only if tests pass').count(), 0);
  });

  it('covers the message list on a phone and closes back to it', async () => {
    const cat = await user('thpho', { width: 390, height: 800 });
    const room = `threadph-${Date.now() % 100_000}`;
    await joinRoom(cat.page, room);
    await send(cat.page, 'a topic');
    await message(cat.page, 'a topic').waitFor();
    await replyInThread(cat.page, 'a topic');
    const panel = await cat.page.getByTestId('thread-panel').boundingBox();
    assert.ok(panel && panel.width >= 389 && panel.x <= 1, 'full width');
    const follow = cat.page.getByTestId('thread-follow');
    assert.equal(await follow.getAttribute('aria-pressed'), 'false');
    await postInThread(cat.page, 'on the phone');
    assert.equal(await follow.getAttribute('aria-pressed'), 'true', 'posting follows');
    assert.deepEqual(await axeSerious(cat.page), [], 'the phone panel passes axe');
    await follow.click();
    await cat.page.locator('[data-testid="thread-follow"][aria-pressed="false"]').waitFor();
    // Opened again, the panel asks the server: not followed any more.
    await cat.page.getByTestId('thread-close').click();
    await message(cat.page, 'a topic').getByTestId('thread-summary').click();
    await cat.page.getByTestId('thread-panel').waitFor({ state: 'visible' });
    await cat.page
      .getByTestId('thread-replies')
      .locator('[data-testid="thread-message-text"]:text-is("on the phone")')
      .waitFor();
    assert.equal(await follow.getAttribute('aria-pressed'), 'false');
    await cat.page.getByTestId('thread-close').click();
    await cat.page.getByTestId('thread-panel').waitFor({ state: 'hidden' });
    await message(cat.page, 'a topic').getByTestId('thread-summary').waitFor();
  });
});
