/**
 * Mentions and read receipts on the page in a real headless Chromium (issue 8): `@`
 * autocomplete in the composer (keyboard, ARIA combobox), mentions highlighted (mine stand out),
 * mention badges in the sidebar apart from unread counts, "Seen by" under my newest message,
 * and the receipts switch in the devices dialog; axe clean in both colour schemes.
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import {
  axeSerious,
  describeBrowser,
  eventually,
  joinRoom,
  openRoom,
  openUser,
  send,
  waitForText,
  type User,
} from './helpers.js';

describeBrowser('browser mentions and read receipts', (env) => {
  let ann: User;
  let ben: User;
  let cal: User;

  before(async () => {
    const options = { bypassCSP: true };
    ann = await openUser(env.browser, env.server.url, 'ann', undefined, options);
    ben = await openUser(env.browser, env.server.url, 'ben', undefined, options);
    cal = await openUser(env.browser, env.server.url, 'cal', undefined, options);
    env.users.push(ann, ben, cal);
    for (const u of [ann, ben, cal]) await joinRoom(u.page, 'men');
  });

  it('completes @ from the room’s members with the arrow keys and Enter; Escape closes', async () => {
    const input = ann.page.getByTestId('composer-input');
    await openRoom(ann.page, 'men');
    await input.click();
    await ann.page.keyboard.type('hi @');
    const list = ann.page.getByTestId('mention-list');
    await list.waitFor({ state: 'visible' });
    assert.equal(await input.getAttribute('role'), 'combobox');
    assert.equal(await input.getAttribute('aria-expanded'), 'true');
    await eventually(
      async () =>
        (
          await ann.page
            .getByTestId('mention-option')
            .evaluateAll((os) => os.map((o) => o.dataset.name))
        ).join() === 'ben,cal,room,here',
      'members and @room/@here offered, not me',
    );
    await ann.page.keyboard.type('c');
    assert.deepEqual(
      await ann.page
        .getByTestId('mention-option')
        .evaluateAll((os) => os.map((o) => o.dataset.name)),
      ['cal'],
    );
    await ann.page.keyboard.press('Escape');
    await list.waitFor({ state: 'hidden' });
    assert.equal(await input.getAttribute('aria-expanded'), 'false');
    await ann.page.keyboard.press('Backspace');
    await list.waitFor({ state: 'visible' });
    await ann.page.keyboard.press('ArrowDown');
    const active = await input.getAttribute('aria-activedescendant');
    assert.equal(await ann.page.locator(`#${active}`).getAttribute('data-name'), 'cal');
    assert.equal(await ann.page.locator(`#${active}`).getAttribute('aria-selected'), 'true');
    await ann.page.keyboard.press('Enter');
    assert.equal(await input.inputValue(), 'hi @cal ', 'Enter took the option, did not send');
    await ann.page.keyboard.type('and @b');
    await ann.page.keyboard.press('Tab');
    assert.equal(await input.inputValue(), 'hi @cal and @ben ');
    await ann.page.keyboard.press('Enter');
    await waitForText(ann.page, 'hi @cal and @ben');
    assert.equal(await input.inputValue(), '');
  });

  it('highlights mentions, mine more, and badges the channel with my mentions apart from unread', async () => {
    await openRoom(ben.page, 'men');
    await joinRoom(cal.page, 'elsewhere');
    await send(ann.page, 'again @cal, not @ben');
    await send(ann.page, 'plain');
    const item = cal.page.locator('[data-testid="room-item"][data-name="men"]');
    await eventually(
      async () => (await item.getByTestId('mention-count').textContent()) === '@1',
      'one unread mention of cal',
    );
    // Both messages counted (the mention count may come with the first).
    await eventually(
      async () => (await item.getByTestId('unread').textContent()) === '2',
      'unread apart',
    );
    assert.equal(await item.getByTestId('mention-count').getAttribute('aria-label'), '1 mention');
    await openRoom(cal.page, 'men');
    await eventually(async () => (await item.getByTestId('mention-count').count()) === 0, 'read');
    const mine = cal.page.locator('[data-testid="message"].mentions-me');
    assert.equal(await mine.count(), 2);
    assert.deepEqual(await mine.last().getByTestId('mention-me').allTextContents(), ['@cal']);
    assert.deepEqual(await mine.last().getByTestId('mention').allTextContents(), ['@ben']);
    const violations = await axeSerious(cal.page);
    assert.deepEqual(violations, [], JSON.stringify(violations, null, 2));
  });

  it('shows “Seen by” under my newest message, and hides receipts when switched off', async () => {
    await openRoom(ann.page, 'men');
    await openRoom(ben.page, 'men');
    await send(ann.page, 'did you see this');
    const seen = ann.page.getByTestId('seen-by');
    await eventually(
      async () => (await seen.textContent()) === 'Seen by ben, cal',
      'ben and cal have seen it',
    );
    // Ben turns receipts off in the devices dialog: he disappears, on every device of his.
    await ben.page.getByTestId('devices-open').click();
    const toggle = ben.page.getByTestId('receipts-toggle');
    assert.equal(await toggle.isChecked(), true);
    const violations = await axeSerious(ben.page);
    assert.deepEqual(violations, [], JSON.stringify(violations, null, 2));
    await toggle.uncheck();
    await ben.page.getByTestId('devices-close').click();
    await send(ann.page, 'and this one');
    await eventually(async () => (await seen.textContent()) === 'Seen by cal', 'only cal');
    await ben.page.getByTestId('devices-open').click();
    assert.equal(await toggle.isChecked(), false, 'the switch shows the kept setting');
    await ben.page.getByTestId('devices-close').click();
  });

  it('passes axe with the mention list open (dark)', async () => {
    const dark = await openUser(env.browser, env.server.url, 'dee', undefined, {
      bypassCSP: true,
      colorScheme: 'dark',
    });
    env.users.push(dark);
    await joinRoom(dark.page, 'men');
    await dark.page.getByTestId('composer-input').click();
    await dark.page.keyboard.type('@a');
    await dark.page.getByTestId('mention-list').waitFor({ state: 'visible' });
    const violations = await axeSerious(dark.page);
    assert.deepEqual(violations, [], JSON.stringify(violations, null, 2));
  });
});
