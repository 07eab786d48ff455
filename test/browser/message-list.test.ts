/**
 * The message list's decorations in a real headless Chromium (issue 8): day separators,
 * grouped consecutive messages with generated avatars, and "jump to latest".
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import {
  describeBrowser,
  eventually,
  joinRoom,
  login,
  openRoom,
  openUser,
  rawSeeder,
  send,
  waitForText,
  type User,
} from './helpers.js';

describeBrowser('browser message list', (env) => {
  let ann: User;
  let ben: User;

  before(async () => {
    ann = await openUser(env.browser, env.server.url, 'ann');
    ben = await openUser(env.browser, env.server.url, 'mary-jane');
    env.users.push(ann, ben);
    await joinRoom(ann.page, 'days');
    await joinRoom(ben.page, 'days');
  });

  it('groups consecutive messages of one author under one name and avatar', async () => {
    await send(ann.page, 'first from ann');
    await send(ann.page, 'second from ann');
    await waitForText(ann.page, 'second from ann');
    await send(ben.page, 'from mary-jane');
    await waitForText(ann.page, 'from mary-jane');
    await send(ann.page, 'ann again');
    await waitForText(ann.page, 'ann again');

    const rows = await ann.page.getByTestId('message').evaluateAll((els) =>
      els.map((e) => ({
        grouped: e.classList.contains('grouped'),
        avatar: getComputedStyle(e.querySelector('[data-testid="avatar"]')!).display !== 'none',
        initials: e.querySelector('[data-testid="avatar"]')!.textContent,
        hidden: e.querySelector('[data-testid="avatar"]')!.getAttribute('aria-hidden'),
        name: e.querySelector('[data-testid="message-from"]')!.textContent,
        nameShown:
          e.querySelector('[data-testid="message-from"]')!.getBoundingClientRect().width > 1,
      })),
    );
    assert.deepEqual(
      rows.map((r) => [r.grouped, r.avatar, r.nameShown, r.initials]),
      [
        [false, true, true, 'A'],
        [true, false, false, 'A'],
        [false, true, true, 'MJ'],
        [false, true, true, 'A'],
      ],
    );
    // The name stays for screen readers; the avatar is decoration.
    assert.deepEqual(
      rows.map((r) => r.name),
      ['ann', 'ann', 'mary-jane', 'ann'],
    );
    assert.ok(rows.every((r) => r.hidden === 'true'));
    const colours = await ann.page
      .getByTestId('avatar')
      .evaluateAll((els) => els.map((e) => getComputedStyle(e).backgroundColor));
    assert.equal(colours[0], colours[3], 'one colour per handle');
  });

  it('shows a day separator before the first message of each day', async () => {
    const seps = ann.page.getByTestId('day-separator');
    assert.deepEqual(await seps.allTextContents(), ['Today']);
    const first = await ann.page
      .getByTestId('message-list')
      .evaluate((l) => l.firstElementChild?.getAttribute('data-testid'));
    assert.equal(first, 'day-separator');

    // Seen a day later (the page's clock moved on), the same messages are yesterday's.
    const context = await env.browser.newContext();
    const page = await context.newPage();
    await page.clock.install({ time: Date.now() + 24 * 3600_000 });
    const later: User = { handle: 'ann-later', context, page, errors: [] };
    page.on('pageerror', (e) => later.errors.push(e));
    env.users.push(later);
    await page.goto(env.server.url);
    await login(page, 'ann-later');
    await joinRoom(page, 'days');
    await waitForText(page, 'ann again');
    assert.deepEqual(await page.getByTestId('day-separator').allTextContents(), ['Yesterday']);
    await context.close();
  });

  it('offers "jump to latest" when a message arrives while scrolled up', async () => {
    const seeder = await rawSeeder(env.server.wsUrl, 'seeder');
    await seeder.call({ type: 'create', room: 'busy' });
    for (let i = 1; i <= 40; i++) await seeder.sendToRoom('busy', `busy ${i}`);
    await joinRoom(ann.page, 'busy');
    await waitForText(ann.page, 'busy 40');
    const jump = ann.page.getByTestId('jump-latest');
    assert.equal(await jump.isVisible(), false);

    const scroller = ann.page.getByTestId('messages');
    await scroller.evaluate((s) => (s.scrollTop = 0));
    await seeder.sendToRoom('busy', 'news while away');
    await waitForText(ann.page, 'news while away');
    await jump.waitFor({ state: 'visible' });
    const atBottom = () =>
      scroller.evaluate((s) => s.scrollHeight - s.scrollTop - s.clientHeight < 80);
    assert.equal(await atBottom(), false, 'the view stayed where the reader was');

    await jump.click();
    await eventually(atBottom, 'scrolled to the newest message');
    await jump.waitFor({ state: 'hidden' });

    // At the bottom, a new message scrolls into view with no button.
    await seeder.sendToRoom('busy', 'seen at once');
    await waitForText(ann.page, 'seen at once');
    await eventually(atBottom, 'kept at the bottom');
    assert.equal(await jump.isVisible(), false);
    seeder.close();
    await openRoom(ann.page, 'days');
  });
});
