/**
 * Edits and reactions on the page, in a real headless Chromium against a real server: an edit
 * from the message menu changes the text for both people with an "(edited)" mark; a reaction
 * from the picker shows as a chip for both, a click on the chip adds or takes back mine; after a
 * reload history brings the same state; a deleted message stays a tombstone after a reload.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Page } from 'playwright-core';
import {
  badgeOf,
  describeBrowser,
  eventually,
  joinRoom,
  openRoom,
  openTracked,
  rawSeeder,
  send,
} from './helpers.js';

const message = (page: Page, text: string) =>
  page.locator('[data-testid="message"]', {
    has: page.locator(`[data-testid="message-text"]:text-is("${text}")`),
  });

async function menuAction(page: Page, text: string, action: string): Promise<void> {
  const m = message(page, text);
  await m.hover();
  await m.getByTestId('message-menu').click();
  await page.getByTestId('context-menu').getByTestId(action).click();
  await page.getByTestId('ask').waitFor({ state: 'visible' });
}

const chip = (page: Page, text: string, emoji: string) =>
  message(page, text).locator(`[data-testid="reaction"][data-emoji="${emoji}"]`);

describeBrowser('chat page edits and reactions', (env) => {
  const user = (handle: string) => openTracked(env, handle);

  it('edits a message and reacts to it, live for both and the same after a reload', async () => {
    const ann = await user('edna');
    const bob = await user('rex');
    const room = `edits-${Date.now() % 100_000}`;
    await joinRoom(ann.page, room);
    await joinRoom(bob.page, room);
    await send(ann.page, 'helo wrld');
    await message(bob.page, 'helo wrld').waitFor();

    await menuAction(ann.page, 'helo wrld', 'action-edit');
    assert.equal(await ann.page.getByTestId('ask-input').inputValue(), 'helo wrld');
    await ann.page.getByTestId('ask-input').fill('hello world');
    await ann.page.getByTestId('ask-ok').click();
    for (const p of [ann.page, bob.page]) {
      await message(p, 'hello world').waitFor();
      await message(p, 'hello world').getByTestId('message-edited').waitFor();
    }
    assert.equal(await message(bob.page, 'helo wrld').count(), 0);

    await menuAction(bob.page, 'hello world', 'action-react');
    await bob.page.getByTestId('ask-choice').selectOption('🎉');
    await bob.page.getByTestId('ask-ok').click();
    await chip(ann.page, 'hello world', '🎉').waitFor();
    assert.equal(await chip(bob.page, 'hello world', '🎉').getAttribute('aria-pressed'), 'true');
    assert.equal(await chip(ann.page, 'hello world', '🎉').getAttribute('aria-pressed'), 'false');

    await chip(ann.page, 'hello world', '🎉').click();
    await eventually(
      async () => (await chip(bob.page, 'hello world', '🎉').textContent()) === '🎉 2',
      'the second reaction reaches bob',
    );
    await eventually(
      async () =>
        (await chip(ann.page, 'hello world', '🎉').getAttribute('aria-pressed')) === 'true',
      'ann’s chip is pressed',
    );

    await bob.page.reload();
    await joinRoom(bob.page, room);
    await message(bob.page, 'hello world').getByTestId('message-edited').waitFor();
    assert.equal(await chip(bob.page, 'hello world', '🎉').textContent(), '🎉 2');
    assert.equal(await chip(bob.page, 'hello world', '🎉').getAttribute('aria-pressed'), 'true');

    await chip(bob.page, 'hello world', '🎉').click();
    await eventually(
      async () => (await chip(ann.page, 'hello world', '🎉').textContent()) === '🎉 1',
      'bob took his reaction back',
    );
  });

  it('keeps a deleted message a tombstone after a reload, from history', async () => {
    const ann = await user('tomb');
    const bob = await user('stone');
    const room = `tomb-${Date.now() % 100_000}`;
    await joinRoom(ann.page, room);
    await joinRoom(bob.page, room);
    await send(ann.page, 'soon gone');
    await message(bob.page, 'soon gone').waitFor();
    const m = message(ann.page, 'soon gone');
    await m.hover();
    await m.getByTestId('message-menu').click();
    await ann.page.getByTestId('context-menu').getByTestId('action-delete').click();
    // Asked first: cancelled, nothing happens.
    await ann.page.getByTestId('ask').waitFor({ state: 'visible' });
    assert.match((await ann.page.getByTestId('ask-title').textContent()) ?? '', /cannot be undone/);
    await ann.page.getByTestId('ask-cancel').click();
    // The log is ordered: had the cancelled delete gone out, bob would see it before this.
    await send(ann.page, 'still here');
    await message(bob.page, 'still here').waitFor();
    assert.equal(await bob.page.getByTestId('tombstone').count(), 0);
    await m.hover();
    await m.getByTestId('message-menu').click();
    await ann.page.getByTestId('context-menu').getByTestId('action-delete').click();
    await ann.page.getByTestId('ask-ok').click();
    await bob.page.getByTestId('tombstone').waitFor();
    await bob.page.reload();
    await joinRoom(bob.page, room);
    await bob.page.getByTestId('tombstone').waitFor();
    assert.equal(await bob.page.getByText('soon gone').count(), 0);
  });

  it('replies to a message from its menu: the composer quotes it, and the reply shows the quote', async () => {
    const ann = await user('quin');
    const bob = await user('quill');
    const room = `reply-${Date.now() % 100_000}`;
    await joinRoom(ann.page, room);
    await joinRoom(bob.page, room);
    await send(ann.page, 'lunch at noon?');
    await message(bob.page, 'lunch at noon?').waitFor();
    const m = message(bob.page, 'lunch at noon?');
    await m.hover();
    await m.getByTestId('message-menu').click();
    await bob.page.getByTestId('context-menu').getByTestId('action-reply').click();
    await bob.page.getByTestId('replying').waitFor({ state: 'visible' });
    assert.match((await bob.page.getByTestId('replying-to').textContent()) ?? '', /quin: lunch/);
    await send(bob.page, 'yes, see you there');
    await bob.page.getByTestId('replying').waitFor({ state: 'hidden' });
    for (const p of [ann.page, bob.page]) {
      const quote = message(p, 'yes, see you there').getByTestId('reply-quote');
      await quote.waitFor();
      assert.match((await quote.textContent()) ?? '', /quin: lunch at noon\?/);
    }
    // Cancelled, the next message is no reply.
    await m.hover();
    await m.getByTestId('message-menu').click();
    await bob.page.getByTestId('context-menu').getByTestId('action-reply').click();
    await bob.page.getByTestId('replying-cancel').click();
    await send(bob.page, 'unrelated');
    await message(ann.page, 'unrelated').waitFor();
    assert.equal(await message(ann.page, 'unrelated').getByTestId('reply-quote').count(), 0);
  });

  it('edits my last message with Up-arrow in the empty composer', async () => {
    const ann = await user('arrow');
    const room = `arrow-${Date.now() % 100_000}`;
    await joinRoom(ann.page, room);
    await send(ann.page, 'first one');
    await send(ann.page, 'tpyo here');
    await message(ann.page, 'tpyo here').waitFor();
    const input = ann.page.getByTestId('composer-input');
    await input.fill('a draft');
    await input.press('ArrowUp');
    assert.equal(await ann.page.getByTestId('ask').isVisible(), false, 'a draft is not replaced');
    await input.fill('');
    await input.press('ArrowUp');
    await ann.page.getByTestId('ask').waitFor({ state: 'visible' });
    assert.equal(await ann.page.getByTestId('ask-input').inputValue(), 'tpyo here');
    await ann.page.getByTestId('ask-input').fill('typo here');
    await ann.page.getByTestId('ask-input').press('Enter');
    await message(ann.page, 'typo here').getByTestId('message-edited').waitFor();
    assert.equal(await message(ann.page, 'first one').getByTestId('message-edited').count(), 0);
  });

  it('opens a channel at a "New messages" line before what came while I was away', async () => {
    const ann = await user('away');
    const room = `away-${Date.now() % 100_000}`;
    await joinRoom(ann.page, room);
    await send(ann.page, 'before I left');
    await message(ann.page, 'before I left').waitFor();
    await openRoom(ann.page, 'general');
    const bob = await rawSeeder(env.server.wsUrl, `back-${Date.now() % 100_000}`);
    await bob.call({ type: 'join', room });
    for (const t of ['while away 1', 'while away 2', 'while away 3']) await bob.sendToRoom(room, t);
    bob.close();
    await eventually(
      async () => (await badgeOf(ann.page, 'room-item', room)) === '3',
      'three unread in the sidebar',
    );
    await openRoom(ann.page, room);
    const line = ann.page.getByTestId('new-messages-line');
    await line.waitFor();
    assert.equal(await line.textContent(), 'New messages');
    const next = await line.evaluate(
      (el) => el.nextElementSibling?.querySelector('[data-testid="message-text"]')?.textContent,
    );
    assert.equal(next, 'while away 1', 'the line is right above the first unread');
    assert.equal(await line.count(), 1);
    // Read now: opened again, no line.
    await openRoom(ann.page, 'general');
    await openRoom(ann.page, room);
    await message(ann.page, 'while away 3').waitFor();
    assert.equal(await line.count(), 0);
  });
});
