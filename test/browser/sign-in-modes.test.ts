/**
 * The sign-in form shows only the ways in the server allows (`--auth`, read from
 * GET /api/v1/auth/modes): a server of accounts only has no "Continue as guest", and Enter
 * without a password is no guest sign-in there.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeBrowser } from './helpers.js';

describeBrowser(
  'sign-in form with accounts only',
  (env) => {
    it('hides the guest way in and refuses a handle without a password', async () => {
      const context = await env.browser.newContext();
      const page = await context.newPage();
      const errors: Error[] = [];
      page.on('pageerror', (e) => errors.push(e));
      try {
        await page.goto(env.server.url);
        await page.getByTestId('login').waitFor();
        await page.getByTestId('handle-submit').waitFor({ state: 'hidden' });
        assert.equal(await page.getByTestId('password-input').isVisible(), true);
        assert.equal(await page.getByTestId('signup-submit').isVisible(), true);
        assert.match(
          (await page.getByTestId('login-sub').textContent()) ?? '',
          /^Sign in or create/,
        );
        await page.getByTestId('handle-input').fill('nopass');
        await page.getByTestId('handle-input').press('Enter');
        const error = page.getByTestId('login-error');
        await error.waitFor({ state: 'visible' });
        assert.notEqual(await error.getAttribute('data-code'), 'SB_ERR_GUESTS_DISABLED');
        assert.deepEqual(errors, []);
      } finally {
        await context.close();
      }
    });
  },
  ['--auth', 'password'],
);
