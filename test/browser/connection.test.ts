/**
 * Signing in and staying connected, in a real headless Chromium against a real server: a taken
 * handle is explained on the form without a stale toast, going offline shows at once, coming back
 * online reconnects at once instead of after the rest of the SDK's backoff wait, and the room
 * browser opened while offline loads by itself once the connection is back.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Page } from 'playwright-core';
import {
  cutSockets,
  describeBrowser,
  eventually,
  login,
  openUser,
  waitForState,
} from './helpers.js';

/** Sockets the page has opened so far, and whether the newest one is closed. */
function sockets(page: Page): Promise<{ count: number; lastClosed: boolean }> {
  return page.evaluate(() => {
    const all = (window as unknown as { __sbSockets: WebSocket[] }).__sbSockets;
    return { count: all.length, lastClosed: all.at(-1)?.readyState === WebSocket.CLOSED };
  });
}

describeBrowser('chat page connection', (env) => {
  it('says a handle is taken in plain words, and leaves no toast once signed in as another', async () => {
    env.users.push(await openUser(env.browser, env.server.url, 'tess'));
    const context = await env.browser.newContext();
    const page = await context.newPage();
    await page.goto(env.server.url);
    await page.getByTestId('handle-input').fill('tess');
    await page.getByTestId('handle-submit').click();
    const error = page.getByTestId('login-error');
    await error.waitFor({ state: 'visible' });
    assert.equal(await error.getAttribute('data-code'), 'SB_ERR_HANDLE_TAKEN');
    const text = (await error.textContent()) ?? '';
    assert.match(text, /already taken/);
    assert.doesNotMatch(text, /SB_ERR|reload/i);
    assert.equal(await page.getByTestId('toast').isVisible(), false, 'no toast next to the form');

    await login(page, 'tess-two');
    assert.equal(await page.getByTestId('me').textContent(), 'tess-two');
    assert.equal(await page.getByTestId('toast').isVisible(), false, 'no stale toast');
    await context.close();
  });

  it('reconnects at once when the browser comes back online', async () => {
    const u = await openUser(env.browser, env.server.url, 'oscar');
    env.users.push(u);
    const start = (await sockets(u.page)).count;
    await u.context.setOffline(true);
    await cutSockets(u.page);
    // Four failed attempts: the SDK now waits 4-8 s before the next one.
    await eventually(
      async () => {
        const s = await sockets(u.page);
        return s.count >= start + 4 && s.lastClosed;
      },
      'four failed reconnect attempts',
      30_000,
    );
    await u.page.waitForTimeout(100);
    const offline = Date.now();
    await u.context.setOffline(false);
    await u.page.waitForFunction(
      () =>
        document.querySelector<HTMLElement>('[data-testid="conn-state"]')?.dataset.state ===
        'online',
    );
    const took = Date.now() - offline;
    assert.ok(took < 2000, `online ${took} ms after the network came back`);
  });

  it('shows offline as soon as the browser goes offline, without waiting for the socket', async () => {
    const u = await openUser(env.browser, env.server.url, 'olga');
    env.users.push(u);
    // No cutSockets: an emulated-offline Chromium keeps the socket's close pending; the page
    // must drop the connection itself on the 'offline' event.
    await u.context.setOffline(true);
    await waitForState(u.page, 'offline', 'reconnecting');
    await u.context.setOffline(false);
    await waitForState(u.page, 'online');
  });

  it('loads the room browser by itself once the connection is back', async () => {
    const u = await openUser(env.browser, env.server.url, 'rhea');
    env.users.push(u);
    await u.context.setOffline(true);
    await cutSockets(u.page);
    await waitForState(u.page, 'offline', 'reconnecting');
    await u.page.getByTestId('browse-rooms').click();
    await u.page.getByTestId('room-browser-retry').waitFor({ state: 'visible' });
    assert.match(
      (await u.page.getByTestId('room-browser-status').textContent()) ?? '',
      /Could not load rooms/,
    );
    await u.context.setOffline(false);
    // No click on Retry: the list arrives when the connection is ready.
    await u.page
      .locator('[data-testid="browse-room"][data-name="general"]')
      .waitFor({ timeout: 10_000 });
    assert.equal(await u.page.getByTestId('room-browser-retry').isVisible(), false);
  });
});
