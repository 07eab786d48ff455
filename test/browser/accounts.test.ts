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
import { describeBrowser, eventually, joinRoom, waitForState, type User } from './helpers.js';

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

    // Until the server has answered, the page says it is signing out; it shows no error (closing
    // its own client must not read as a lost connection). Whatever the login form showed before
    // the reload is kept in sessionStorage, which the reload keeps.
    await first.page.evaluate(() => {
      const form = document.querySelector<HTMLElement>('[data-testid="login"]')!;
      const error = document.querySelector<HTMLElement>('[data-testid="login-error"]')!;
      new MutationObserver(() => {
        if (!form.hidden) sessionStorage.setItem('form-before-reload', error.textContent ?? '');
      }).observe(document.body, { subtree: true, attributes: true, childList: true });
    });
    // The page reloads once the server has answered the sign-out: the form shows after that.
    const reloaded = first.page.waitForEvent('load');
    await first.page.getByTestId('sign-out').click();
    await reloaded;
    await first.page.getByTestId('login').waitFor({ state: 'visible' });
    assert.equal(
      await first.page.evaluate(() => sessionStorage.getItem('form-before-reload')),
      null,
      'no login form (nor its error) before the sign-out was answered',
    );
    assert.equal(await first.page.getByTestId('login-error').isVisible(), false);
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

  it('lists my devices and signs another one out, which drops to the form at once', async () => {
    const laptop = await openLogin(env.browser, env.server.url);
    env.users.push(laptop);
    await submit(laptop.page, 'lin', 'a long enough secret', 'signup-submit');
    await signedIn(laptop.page, 'lin');
    const phone = await openLogin(env.browser, env.server.url);
    env.users.push(phone);
    await submit(phone.page, 'lin', 'a long enough secret', 'signin-submit');
    await signedIn(phone.page, 'lin');

    await laptop.page.getByTestId('devices-open').click();
    const devices = laptop.page.getByTestId('device');
    await eventually(async () => (await devices.count()) === 2, 'two devices listed');
    const other = laptop.page.locator('[data-testid="device"][data-current="false"]');
    await other.getByTestId('device-revoke').click();
    await eventually(async () => (await devices.count()) === 1, 'one device left');
    // The phone's connection closed with 4101: it is back at the form, saying why.
    const error = phone.page.getByTestId('login-error');
    await error.waitFor({ state: 'visible', timeout: 5000 });
    assert.equal(await error.getAttribute('data-code'), 'SB_ERR_SESSION_REVOKED');
    assert.equal(await laptop.page.getByTestId('conn-state').getAttribute('data-state'), 'online');
  });

  it('lets a guest keep the handle, rooms and history by setting a password', async () => {
    const guest = await openLogin(env.browser, env.server.url);
    env.users.push(guest);
    await guest.page.getByTestId('handle-input').fill('wanderer');
    await guest.page.getByTestId('handle-submit').click();
    await signedIn(guest.page, 'wanderer');
    await joinRoom(guest.page, 'campfire');
    await guest.page.getByTestId('devices-open').click();
    await guest.page.getByTestId('upgrade-form').waitFor({ state: 'visible' });
    await guest.page.getByTestId('upgrade-password').fill('kept for good');
    await guest.page.getByTestId('upgrade-submit').click();
    await guest.page.getByTestId('device').first().waitFor();

    const elsewhere = await openLogin(env.browser, env.server.url);
    env.users.push(elsewhere);
    await submit(elsewhere.page, 'wanderer', 'kept for good', 'signin-submit');
    await signedIn(elsewhere.page, 'wanderer');
    await elsewhere.page.locator('[data-testid="room-item"][data-name="campfire"]').waitFor();
  });
});
