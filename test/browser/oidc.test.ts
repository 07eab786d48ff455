/**
 * OIDC sign-in on the page, in a real headless Chromium against a real server and a real OpenID
 * provider (oidc-provider in its own process): click "Sign in with …", fill the provider's login
 * and consent forms, and land on the page signed in, the token stored and gone from the address.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { startProvider, type ProviderHandle } from '../helpers/oidc-provider.js';
import { startServer, type ServerHandle } from '../helpers/server.js';
import { buildWeb, hasChromium, launchBrowser, waitForState } from './helpers.js';

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as { port: number };
  await new Promise((r) => probe.close(r));
  return port;
}

describe('chat page OIDC sign-in', { skip: hasChromium ? false : 'chromium not installed' }, () => {
  let provider: ProviderHandle;
  let server: ServerHandle;
  let browser: Browser;

  before(async () => {
    buildWeb();
    provider = await startProvider();
    const port = await freePort();
    const callback = `http://127.0.0.1:${port}/api/v1/auth/oidc/callback`;
    await provider.configure([
      { client_id: 'switchboard', client_secret: 'browser-secret', redirect_uris: [callback] },
    ]);
    server = await startServer({
      port,
      args: ['--oidc-name', 'Example ID'],
      env: {
        SWITCHBOARD_OIDC_ISSUER: provider.issuer,
        SWITCHBOARD_OIDC_CLIENT_ID: 'switchboard',
        SWITCHBOARD_OIDC_CLIENT_SECRET: 'browser-secret',
        SWITCHBOARD_OIDC_REDIRECT_URL: callback,
      },
    });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.dispose();
    await provider?.stop();
  });

  it('signs in with the provider and lands on the page signed in, the token out of the address', async () => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
    const page = await context.newPage();
    const errors: Error[] = [];
    page.on('pageerror', (e) => errors.push(e));
    await page.goto(server.url);
    const button = page.getByTestId('oidc-signin');
    await button.waitFor({ state: 'visible' });
    assert.equal((await button.textContent())?.trim(), 'Sign in with Example ID');
    await button.click();

    await page.waitForURL((url) => url.origin === provider.issuer);
    await page.locator('input[name="login"]').fill('hedy');
    await page.locator('input[name="password"]').fill('anything');
    await page.locator('button[type="submit"]').click();
    await page.locator('input[name="prompt"][value="consent"]').waitFor({ state: 'attached' });
    await page.locator('button[type="submit"]').click();

    await page.waitForURL((url) => url.origin === server.url);
    await page.getByTestId('app').waitFor({ state: 'visible' });
    await waitForState(page, 'online');
    assert.equal(await page.getByTestId('me').textContent(), 'hedy');
    assert.equal(new URL(page.url()).hash, '', 'the token is gone from the address bar');
    const stored = await page.evaluate(() => localStorage.getItem('switchboard.token'));
    assert.ok(stored, 'stored like a password sign-in');
    // A reload is the same user, from the stored session.
    await page.reload();
    await waitForState(page, 'online');
    assert.equal(await page.getByTestId('me').textContent(), 'hedy');
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('shows a callback error in words', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/#sb-oidc-error=SB_ERR_OIDC_STATE_INVALID`);
    const error = page.getByTestId('login-error');
    await error.waitFor({ state: 'visible' });
    assert.equal(await error.getAttribute('data-code'), 'SB_ERR_OIDC_STATE_INVALID');
    assert.match((await error.textContent()) ?? '', /took too long|did not start/);
    assert.equal(new URL(page.url()).hash, '');
    await context.close();
  });
});
