/**
 * axe-core on every view of the chat page in a real headless Chromium: login, chat with a
 * pending message, the room browser dialog, a DM, phone width with the drawer open, the New room
 * dialog, the member list with a context menu, the moderation question, a tombstone and a
 * report, formatted messages with links, code, quotes and lists, grouped messages with avatars,
 * a day separator and "jump to latest", in light and dark mode. No serious or critical violation may remain.
 */
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import type { Page } from 'playwright-core';
import {
  axeSerious,
  describeBrowser,
  cutSockets,
  eventually,
  joinRoom,
  openUser,
  rawSeeder,
  send,
  texts,
  waitForState,
  waitForText,
} from './helpers.js';

async function assertAccessible(page: Page, view: string): Promise<void> {
  const violations = await axeSerious(page);
  assert.deepEqual(violations, [], `${view}: ${JSON.stringify(violations, null, 2)}`);
}

describeBrowser('chat page accessibility', (env) => {
  for (const colorScheme of ['light', 'dark'] as const) {
    it(`the login view has a main landmark and passes axe (${colorScheme})`, async () => {
      const context = await env.browser.newContext({ colorScheme, bypassCSP: true });
      const page = await context.newPage();
      await page.goto(env.server.url);
      await page.getByTestId('login').waitFor();
      assert.equal(await page.getByRole('main').count(), 1);
      assert.equal(await page.getByRole('main').getAttribute('data-testid'), 'login');
      await assertAccessible(page, `login (${colorScheme})`);
      // With a refusal on the form, too.
      await page.getByTestId('handle-input').fill('Not Valid!');
      await page.getByTestId('handle-submit').click();
      await page.getByTestId('login-error').waitFor();
      await assertAccessible(page, `login error (${colorScheme})`);
      await context.close();
    });

    it(`chat, a pending message, the room browser and a DM pass axe (${colorScheme})`, async () => {
      const options = { colorScheme, bypassCSP: true };
      const ann = await openUser(
        env.browser,
        env.server.url,
        `ann-${colorScheme}`,
        undefined,
        options,
      );
      const ben = await openUser(
        env.browser,
        env.server.url,
        `ben-${colorScheme}`,
        undefined,
        options,
      );
      env.users.push(ann, ben);
      await send(ben.page, 'hello from ben, with a timestamp');
      await waitForText(ann.page, 'hello from ben, with a timestamp');
      await send(ann.page, 'and one of my own');
      await waitForText(ann.page, 'and one of my own');
      await assertAccessible(ann.page, `chat (${colorScheme})`);

      await ann.context.setOffline(true);
      await cutSockets(ann.page);
      await waitForState(ann.page, 'offline', 'reconnecting');
      await send(ann.page, 'written offline');
      await ann.page.getByTestId('pending-message').waitFor();
      await assertAccessible(ann.page, `pending message (${colorScheme})`);
      await ann.context.setOffline(false);
      await waitForText(ann.page, 'written offline');

      await ann.page.getByTestId('browse-rooms').click();
      await ann.page.getByTestId('browse-room').first().waitFor();
      await assertAccessible(ann.page, `room browser (${colorScheme})`);
      await ann.page.keyboard.press('Escape');

      await ann.page.locator(`[data-testid="online-user"][data-user="${ben.handle}"]`).click();
      await send(ann.page, 'a direct message');
      await waitForText(ann.page, 'a direct message');
      await assertAccessible(ann.page, `DM (${colorScheme})`);
    });
  }

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`the New room dialog, member list, menus, a tombstone and a report pass axe (${colorScheme})`, async () => {
      const options = { colorScheme, bypassCSP: true };
      const owner = await openUser(
        env.browser,
        env.server.url,
        `own-${colorScheme}`,
        undefined,
        options,
      );
      const other = await openUser(
        env.browser,
        env.server.url,
        `oth-${colorScheme}`,
        undefined,
        options,
      );
      env.users.push(owner, other);
      const room = `axe-${colorScheme}`;
      await owner.page.getByTestId('create-room-open').click();
      await owner.page.getByTestId('create-room-name').fill(room);
      await owner.page.getByTestId('kind-private').check();
      await assertAccessible(owner.page, `New room dialog (${colorScheme})`);
      await owner.page.getByTestId('create-room-submit').click();
      await owner.page.getByTestId('members-toggle').click();
      await owner.page.getByTestId('invite-input').fill(other.handle);
      await owner.page.getByTestId('invite-submit').click();
      const target = owner.page.locator(`[data-testid="member"][data-user="${other.handle}"]`);
      await target.waitFor();
      await target.getByTestId('member-menu').click();
      await owner.page.getByTestId('context-menu').waitFor();
      await assertAccessible(owner.page, `member list and menu (${colorScheme})`);
      await owner.page.getByTestId('action-mute').click();
      await owner.page.getByTestId('ask').waitFor({ state: 'visible' });
      await assertAccessible(owner.page, `moderation question (${colorScheme})`);
      await owner.page.getByTestId('ask-cancel').click();

      await other.page.locator(`[data-testid="room-item"][data-name="${room}"]`).click();
      await send(other.page, 'to be reported');
      await send(other.page, 'to be deleted');
      await waitForText(owner.page, 'to be deleted');
      const msg = (text: string) =>
        owner.page.locator('[data-testid="message"]', {
          has: owner.page.locator(`[data-testid="message-text"]:text-is("${text}")`),
        });
      await msg('to be deleted').getByTestId('message-menu').click();
      await owner.page.getByTestId('action-delete').click();
      assert.deepEqual(await axeSerious(owner.page), [], 'the delete confirmation passes axe');
      await owner.page.getByTestId('ask-ok').click();
      await owner.page.getByTestId('tombstone').waitFor();
      await waitForText(other.page, 'to be reported');
      await other.page
        .locator('[data-testid="message"]', {
          has: other.page.locator('[data-testid="message-text"]:text-is("to be deleted")'),
        })
        .waitFor({ state: 'detached' });
      // The owner's own message cannot be reported by the owner; the other user reports theirs.
      await send(owner.page, 'owner speaking');
      await waitForText(other.page, 'owner speaking');
      await other.page
        .locator('[data-testid="message"]', {
          has: other.page.locator('[data-testid="message-text"]:text-is("owner speaking")'),
        })
        .getByTestId('message-menu')
        .click();
      await other.page.getByTestId('action-report').click();
      await other.page.getByTestId('ask-ok').click();
      await owner.page.getByTestId('report').waitFor();
      await assertAccessible(owner.page, `tombstone and report (${colorScheme})`);
    });
  }

  it('the chat view and the open drawer pass axe at phone width, dark mode too', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const phone = await openUser(
        env.browser,
        env.server.url,
        `phone-${colorScheme}`,
        { width: 375, height: 740 },
        { colorScheme, bypassCSP: true },
      );
      env.users.push(phone);
      await send(phone.page, 'typed on a phone');
      await waitForText(phone.page, 'typed on a phone');
      await assertAccessible(phone.page, `phone chat (${colorScheme})`);
      await phone.page.getByTestId('menu-toggle').click();
      await phone.page.waitForTimeout(300); // drawer transition
      await assertAccessible(phone.page, `phone drawer (${colorScheme})`);
      await phone.context.close();
    }
  });

  // One test per scheme: four axe runs over a page of 33 messages took 109-114 s in one test
  // on a loaded CI machine, against the runner's 180 s timeout.
  let seeded: Promise<Awaited<ReturnType<typeof rawSeeder>>> | null = null;
  const seed = () =>
    (seeded ??= (async () => {
      const seeder = await rawSeeder(env.server.wsUrl, 'fmt-seeder');
      await seeder.call({ type: 'create', room: 'fmt-a11y' });
      for (let i = 1; i <= 30; i++) await seeder.sendToRoom('fmt-a11y', `filler ${i}`);
      return seeder;
    })());
  after(async () => (await seeded)?.close());
  for (const colorScheme of ['light', 'dark'] as const) {
    it(`formatted, grouped messages, a day separator and "jump to latest" pass axe (${colorScheme})`, async () => {
      const seeder = await seed();
      const u = await openUser(env.browser, env.server.url, `fmt-${colorScheme}`, undefined, {
        colorScheme,
        bypassCSP: true,
      });
      env.users.push(u);
      await joinRoom(u.page, 'fmt-a11y');
      // The room's history first: its load ends with a scroll to the newest message, and the
      // scroll to the top below must come after it.
      await waitForText(u.page, 'filler 30');
      await send(u.page, '**bold**, *italic*, `code` and https://example.com/docs');
      await send(u.page, '> a quote\n\n- one\n- two\n\n```\nconst x = 1;\n```');
      await u.page.getByTestId('message-text').locator('pre').last().waitFor();
      assert.ok((await u.page.locator('.msg.grouped').count()) >= 1);
      await u.page.getByTestId('day-separator').first().waitFor();
      // Scrolled up, and still there a moment later: in CI (twice, 2026-12-03) the news arrived
      // with the view back at the newest message, so something after the scroll to the top (not
      // identified; the own sends' replies had landed) scrolled it down again.
      const scroller = u.page.getByTestId('messages');
      await eventually(async () => {
        await scroller.evaluate((s) => (s.scrollTop = 0));
        await u.page.waitForTimeout(250);
        return scroller.evaluate((s) => s.scrollTop === 0);
      }, 'the view to stay scrolled up');
      await seeder.sendToRoom('fmt-a11y', `news for ${colorScheme}`);
      await u.page
        .getByTestId('jump-latest')
        .waitFor({ state: 'visible' })
        .catch(async (err: Error) => {
          // If the button still never shows: say what the page looked like.
          const state = await scroller.evaluate((el) => [
            el.scrollTop,
            el.scrollHeight,
            el.clientHeight,
            el.ariaBusy,
          ]);
          const last = (await texts(u.page)).slice(-3);
          throw new Error(
            `${err.message}\nscrollTop, scrollHeight, clientHeight, aria-busy: ${JSON.stringify(state)}; last shown: ${JSON.stringify(last)}`,
          );
        });
      await assertAccessible(u.page, `formatted messages, scrolled up (${colorScheme})`);
      await u.page.getByTestId('jump-latest').click();
      await assertAccessible(u.page, `formatted messages, at the newest (${colorScheme})`);
      await u.context.close();
    });
  }
});
