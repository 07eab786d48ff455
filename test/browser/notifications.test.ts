/**
 * The Notifications dialog and the service worker, in headless Chromium against a real server.
 *
 * What headless Chromium cannot do: `pushManager.subscribe` there rejects ("Registration failed
 * - permission denied") even with the notifications permission granted, because it has no push
 * service to register with offline. So this checks that the page says so and leaves the switch
 * off; the server side of a registration and real pushes are tested end to end in
 * test/push/web-push.test.ts. The service worker's push handler is driven through the DevTools
 * protocol (ServiceWorker.deliverPushMessage) with a payload of the server's format.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Page } from 'playwright-core';
import {
  axeSerious,
  describeBrowser,
  eventually,
  joinRoom,
  openUser,
  type User,
} from './helpers.js';

const stamp = Date.now().toString(36);
const ROOM = `alerts-${stamp}`;

async function openDialog(page: Page): Promise<void> {
  await page.getByTestId('notify-open').click();
  await page.waitForFunction(
    () => document.querySelector<HTMLElement>('[data-testid="notify-dialog"]')?.dataset.loaded,
  );
}

describeBrowser('chat page notifications', (env) => {
  let user: User;

  it('keeps the level, previews and a room mute chosen in the dialog', async () => {
    // axe is injected as an inline script: this page runs without its CSP.
    const u = await openUser(env.browser, env.server.url, `nina${stamp}`.slice(0, 32), undefined, {
      bypassCSP: true,
    });
    env.users.push(u);
    const { page } = u;
    await joinRoom(page, ROOM);
    await openDialog(page);
    assert.equal(await page.getByTestId('notify-level').inputValue(), 'all');
    assert.equal(await page.getByTestId('notify-preview').isChecked(), true);
    assert.equal(await page.getByTestId('notify-channel-name').textContent(), `In #${ROOM}`);
    await page.getByTestId('notify-level').selectOption('mentions');
    await page.getByTestId('notify-preview').uncheck();
    await page.getByTestId('notify-channel-level').selectOption('none');
    await page.getByTestId('notify-mute').selectOption('3600000');
    await page.getByTestId('notify-muted-until').filter({ hasText: 'Muted until' }).waitFor();
    assert.deepEqual(await axeSerious(page), []);
    await page.getByTestId('notify-close').click();

    // What the dialog shows after a reload is what the server kept.
    await page.reload();
    await page.getByTestId('app').waitFor({ state: 'visible' });
    await joinRoom(page, ROOM);
    await openDialog(page);
    assert.equal(await page.getByTestId('notify-level').inputValue(), 'mentions');
    assert.equal(await page.getByTestId('notify-preview').isChecked(), false);
    assert.equal(await page.getByTestId('notify-channel-level').inputValue(), 'none');
    assert.match((await page.getByTestId('notify-muted-until').textContent()) ?? '', /Muted until/);
    await page.getByTestId('notify-close').click();
  });

  it('registers the service worker, and says so when the browser refuses a push subscription', async () => {
    // With the page's own CSP, which must let the worker load.
    user = await openUser(env.browser, env.server.url, `omar${stamp}`.slice(0, 32));
    env.users.push(user);
    const { page } = user;
    await user.context.grantPermissions(['notifications'], { origin: env.server.url });
    await joinRoom(page, ROOM);
    await openDialog(page);
    await page.getByTestId('push-toggle').check();
    await page
      .getByTestId('push-status')
      .filter({ hasText: 'Could not change this device' })
      .waitFor();
    assert.equal(await page.getByTestId('push-toggle').isChecked(), false);
    assert.equal(await page.getByTestId('push-toggle').isDisabled(), false);
    const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
    assert.equal(scope, `${env.server.url}/`);
    await page.getByTestId('notify-close').click();
  });

  it('shows a pushed message as a notification titled with its sender and room', async () => {
    const { page, context } = user;
    const cdp = await context.newCDPSession(page);
    // What the browser said of the worker, for the message if the notification never shows.
    const versions: string[] = [];
    cdp.on('ServiceWorker.workerVersionUpdated', (ev) => {
      for (const v of ev.versions) versions.push(`${v.versionId}:${v.status}/${v.runningStatus}`);
    });
    cdp.on('ServiceWorker.workerErrorReported', (ev) => {
      versions.push(`error: ${ev.errorMessage.errorMessage}`);
    });
    const registration = new Promise<string>((res) =>
      cdp.on('ServiceWorker.workerRegistrationUpdated', (ev) => {
        const r = ev.registrations.find((x) => x.scopeURL === `${env.server.url}/`);
        if (r && !r.isDeleted) res(r.registrationId);
      }),
    );
    await cdp.send('ServiceWorker.enable');
    const payload = { v: 1, kind: 'dm', channel: 'dm:ann:nina', seq: 3, from: 'ann', text: 'hi' };
    await cdp.send('ServiceWorker.deliverPushMessage', {
      origin: env.server.url,
      registrationId: await registration,
      data: JSON.stringify(payload),
    });
    // Polled by hand: waitForFunction takes the pending promise of an async predicate as truthy.
    const shownNow = () =>
      page.evaluate(async () => {
        const reg = await navigator.serviceWorker.ready;
        const [n] = await reg.getNotifications();
        return n ? { title: n.title, body: n.body, tag: n.tag } : null;
      });
    await eventually(async () => (await shownNow()) !== null, 'the notification is shown').catch(
      (err: Error) => {
        throw new Error(`${err.message}; worker versions seen: ${versions.join(', ') || 'none'}`);
      },
    );
    assert.deepEqual(await shownNow(), { title: 'ann', body: 'hi', tag: 'dm:ann:nina' });
  });
});
