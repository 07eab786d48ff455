/**
 * The page's outbox in a real headless Chromium against a real server: a message written
 * offline is shown as pending, survives a closed tab and is sent once when the page opens again;
 * a message the server refuses is shown as failed with Retry and Discard.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Page } from 'playwright-core';
import { WebSocket } from 'ws';
import { SwitchboardClient, type ChatMessage } from '../../src/client/index.js';
import {
  cutSockets,
  describeBrowser,
  eventually,
  joinRoom,
  openRoom,
  openUser,
  send,
  texts,
  waitForState,
  waitForText,
  type User,
} from './helpers.js';

/** The page's saved outbox of `handle`, as localStorage holds it. */
function savedOutbox(
  page: Page,
  handle: string,
): Promise<{ cid: string; text: string; state: string }[]> {
  return page.evaluate(
    (key) =>
      JSON.parse(localStorage.getItem(key) ?? '[]') as {
        cid: string;
        text: string;
        state: string;
      }[],
    `switchboard.outbox.${handle}`,
  );
}

async function goOffline(u: User): Promise<void> {
  await u.context.setOffline(true);
  await cutSockets(u.page);
  await waitForState(u.page, 'offline', 'reconnecting');
}

describeBrowser('chat page outbox', (env) => {
  let reader: SwitchboardClient;

  /** Every message of `channel` as the server stored it. */
  async function stored(channel: string): Promise<ChatMessage[]> {
    return (await reader.history(channel, { limit: 500 })).messages;
  }

  before(async () => {
    reader = new SwitchboardClient({ url: env.server.wsUrl, handle: 'reader', WebSocket });
    await reader.connect();
  });

  after(() => reader?.close());

  it('shows a message written offline as pending, then as sent after the reconnect', async () => {
    const u = await openUser(env.browser, env.server.url, 'penny');
    env.users.push(u);
    await goOffline(u);
    await send(u.page, 'written while offline');
    const item = u.page.getByTestId('pending-message');
    await item.waitFor();
    assert.equal(await u.page.getByTestId('composer-input').inputValue(), '');
    assert.equal(await item.getAttribute('data-state'), 'queued');
    assert.equal(await item.getByTestId('pending-text').textContent(), 'written while offline');
    assert.match((await item.getByTestId('pending-status').textContent()) ?? '', /Waiting/);
    await u.context.setOffline(false);
    await waitForText(u.page, 'written while offline');
    await item.waitFor({ state: 'detached' });
    assert.equal((await texts(u.page)).filter((t) => t === 'written while offline').length, 1);
  });

  it('sends a message written offline exactly once, with its cid, after the tab was closed', async () => {
    const u = await openUser(env.browser, env.server.url, 'olive');
    env.users.push(u);
    await goOffline(u);
    await send(u.page, 'written offline, tab closed');
    await u.page.getByTestId('pending-message').waitFor();
    const saved = await savedOutbox(u.page, 'olive');
    assert.deepEqual(
      saved.map((p) => p.text),
      ['written offline, tab closed'],
    );
    await u.page.close();
    assert.equal(
      (await stored('room:general')).some((m) => m.text === 'written offline, tab closed'),
      false,
      'nothing reached the server while offline',
    );

    await u.context.setOffline(false);
    for (let visit = 0; visit < 2; visit++) {
      const page = await u.context.newPage();
      page.on('pageerror', (e) => u.errors.push(e));
      await page.goto(env.server.url);
      await waitForState(page, 'online');
      await waitForText(page, 'written offline, tab closed');
      await eventually(
        async () => (await savedOutbox(page, 'olive')).length === 0,
        'outbox saved empty',
      );
      assert.equal(await page.getByTestId('pending-message').count(), 0);
      await page.close();
    }
    const copies = (await stored('room:general')).filter(
      (m) => m.text === 'written offline, tab closed',
    );
    assert.deepEqual(
      copies.map((m) => m.cid),
      [saved[0]!.cid],
      'stored once, with the cid given offline',
    );
  });

  it('shows a refused message as failed with Retry and Discard', async () => {
    const u = await openUser(env.browser, env.server.url, 'rita');
    env.users.push(u);
    await joinRoom(u.page, 'gone');
    await goOffline(u);
    await send(u.page, 'retry me');
    await send(u.page, 'discard me');
    await eventually(
      async () => (await u.page.getByTestId('pending-message').count()) === 2,
      'two pending',
    );
    // Meanwhile rita leaves #gone on another device.
    const token = await u.page.evaluate(() => localStorage.getItem('switchboard.token'));
    const other = new SwitchboardClient({ url: env.server.wsUrl, token: token!, WebSocket });
    await other.connect();
    await other.leaveRoom('gone');
    other.close();

    await u.context.setOffline(false);
    await waitForState(u.page, 'online');
    // The refusals come while #gone is not shown (it left the sidebar): a toast says so.
    await eventually(
      async () =>
        (await u.page.getByTestId('toast').getAttribute('data-code')) === 'SB_ERR_NOT_A_MEMBER',
      'toast about the refused messages',
    );
    // Both refused before rita rejoins: a send still queued then would rightly go through.
    await eventually(async () => {
      const saved = await savedOutbox(u.page, 'rita');
      return saved.length === 2 && saved.every((p) => p.state === 'failed');
    }, 'both messages refused');
    assert.doesNotMatch((await u.page.getByTestId('toast').textContent()) ?? '', /SB_ERR/);
    await joinRoom(u.page, 'gone');
    const items = u.page.getByTestId('pending-message');
    await eventually(async () => (await items.count()) === 2, 'failed messages in #gone');
    assert.equal(await u.page.getByTestId('empty').isVisible(), false, 'no "No messages yet"');
    for (const item of await items.all()) {
      assert.equal(await item.getAttribute('data-state'), 'failed');
      assert.equal(await item.getAttribute('data-code'), 'SB_ERR_NOT_A_MEMBER');
      assert.doesNotMatch((await item.getByTestId('pending-status').textContent()) ?? '', /SB_ERR/);
    }
    await items.filter({ hasText: 'retry me' }).getByTestId('pending-retry').click();
    await waitForText(u.page, 'retry me');
    await items.filter({ hasText: 'discard me' }).getByTestId('pending-discard').click();
    await eventually(async () => (await items.count()) === 0, 'no pending message left');
    assert.deepEqual(await savedOutbox(u.page, 'rita'), []);
    await reader.joinRoom('gone');
    assert.deepEqual(
      (await stored('room:gone')).map((m) => m.text),
      ['retry me'],
    );
    await openRoom(u.page, 'general');
  });
});
