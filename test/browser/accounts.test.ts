/**
 * Accounts on the page, in a real headless Chromium against a real server: sign up, sign out
 * (revoked on the server, not just forgotten), sign in again from another browser with the
 * rooms kept, a wrong password in plain words, and a guest still one click away.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { WebSocket } from 'ws';
import { SwitchboardClient } from '../../src/client/index.js';
import { describeBrowser, joinRoom, waitForState, type User } from './helpers.js';

async function openLogin(browser: Browser, url: string): Promise<User & { handle: string }> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  const page = await context.newPage();
  const errors: Error[] = [];
  page.on('pageerror', (e) => errors.push(e));
  await page.goto(url);
  await page.getByTestId('login').waitFor({ state: 'visible' });
  return { handle: '', context, page, errors };
}

async function submit(page: Page, handle: string, password: string, button: string): Promise<void> {
  await page.getByTestId('handle-input').fill(handle);
  await page.getByTestId('password-input').fill(password);
  await page.getByTestId(button).click();
}

async function signedIn(page: Page, handle: string): Promise<void> {
  await page.getByTestId('app').waitFor({ state: 'visible' });
  await waitForState(page, 'online');
  assert.equal(await page.getByTestId('me').textContent(), handle);
}

describeBrowser('chat page accounts', (env) => {
  it('signs up, signs out on the server, and signs in again elsewhere with the rooms kept', async () => {
    const first = await openLogin(env.browser, env.server.url);
    env.users.push(first);
    await submit(first.page, 'ada', 'correct horse battery', 'signup-submit');
    await signedIn(first.page, 'ada');
    await joinRoom(first.page, 'engines');
    const token = await first.page.evaluate(() => localStorage.getItem('switchboard.token'));
    assert.ok(token);
    assert.equal(
      await first.page.getByTestId('password-input').inputValue(),
      '',
      'password cleared',
    );

    await first.page.getByTestId('sign-out').click();
    await first.page.getByTestId('login').waitFor({ state: 'visible' });
    // Revoked on the server: the old token no longer opens a session.
    const stale = new SwitchboardClient({ url: env.server.wsUrl, token: token, WebSocket });
    await assert.rejects(stale.connect(), (err: { code?: string }) =>
      ['SB_ERR_TOKEN_INVALID', 'SB_ERR_SESSION_REVOKED'].includes(err.code ?? ''),
    );
    stale.close();

    const second = await openLogin(env.browser, env.server.url);
    env.users.push(second);
    await submit(second.page, 'ada', 'correct horse battery', 'signin-submit');
    await signedIn(second.page, 'ada');
    await second.page.locator('[data-testid="room-item"][data-name="engines"]').waitFor();
  });

  it('says a wrong password in plain words, and the handle is not up for grabs as a guest', async () => {
    const owner = await openLogin(env.browser, env.server.url);
    env.users.push(owner);
    await submit(owner.page, 'grace', 'a long enough secret', 'signup-submit');
    await signedIn(owner.page, 'grace');

    const other = await openLogin(env.browser, env.server.url);
    env.users.push(other);
    await submit(other.page, 'grace', 'not the password', 'signin-submit');
    const error = other.page.getByTestId('login-error');
    await error.waitFor({ state: 'visible' });
    assert.equal(await error.getAttribute('data-code'), 'SB_ERR_CREDENTIALS_INVALID');
    assert.doesNotMatch((await error.textContent()) ?? '', /SB_ERR/);

    await other.page.getByTestId('password-input').fill('');
    await other.page.getByTestId('handle-submit').click();
    await error.waitFor({ state: 'visible' });
    assert.equal(await error.getAttribute('data-code'), 'SB_ERR_HANDLE_TAKEN');

    // A guest with a free handle still gets in with one click.
    await other.page.getByTestId('handle-input').fill('visitor');
    await other.page.getByTestId('handle-submit').click();
    await signedIn(other.page, 'visitor');
  });
});
