/**
 * The chat page in a real headless Chromium against a real server: two people (two browser
 * contexts) chatting, DMs, reload, reconnect and catch-up, typing, HTML injection, unread
 * badges and a phone-sized layout.
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import {
  badgeOf,
  cutSockets,
  describeBrowser,
  eventually,
  joinRoom,
  login,
  openRoom,
  openUser,
  rawSeeder,
  send,
  seqs,
  texts,
  waitForState,
  waitForText,
  type User,
} from './helpers.js';

describeBrowser('browser chat page', (env) => {
  let alice: User;
  let bob: User;

  before(async () => {
    alice = await openUser(env.browser, env.server.url, 'alice');
    bob = await openUser(env.browser, env.server.url, 'bob');
    env.users.push(alice, bob);
  });

  it('shows both users online with their connection counts', async () => {
    for (const [u, other] of [
      [alice, 'bob'],
      [bob, 'alice'],
    ] as const) {
      const row = u.page.locator(`[data-testid="online-user"][data-user="${other}"]`);
      await row.waitFor();
      assert.equal(await row.getByTestId('connections').textContent(), '1');
    }
    assert.equal(await alice.page.getByTestId('me').textContent(), 'alice');
  });

  it('delivers messages in general both ways', async () => {
    await send(alice.page, 'hello from alice');
    await waitForText(bob.page, 'hello from alice');
    await send(bob.page, 'hi alice, bob here');
    await waitForText(alice.page, 'hi alice, bob here');
    const shown = await texts(alice.page);
    assert.deepEqual(shown.slice(-2), ['hello from alice', 'hi alice, bob here']);
  });

  it('rejects a taken handle with SB_ERR_HANDLE_TAKEN on the form', async () => {
    const context = await env.browser.newContext();
    const page = await context.newPage();
    await page.goto(env.server.url);
    await page.getByTestId('handle-input').fill('alice');
    await page.getByTestId('handle-submit').click();
    const error = page.getByTestId('login-error');
    await error.waitFor({ state: 'visible' });
    assert.equal(await error.getAttribute('data-code'), 'SB_ERR_HANDLE_TAKEN');
    assert.match((await error.textContent()) ?? '', /already taken/);
    assert.equal(await page.getByTestId('app').isVisible(), false);
    await context.close();
  });

  it('shows a DM to the recipient as an unread badge, cleared on opening it', async () => {
    await alice.page.locator('[data-testid="online-user"][data-user="bob"]').click();
    await send(alice.page, 'psst, bob');
    await eventually(async () => (await badgeOf(bob.page, 'dm-item', 'alice')) === '1', 'DM badge');
    await bob.page.locator('[data-testid="dm-item"][data-name="alice"]').click();
    await waitForText(bob.page, 'psst, bob');
    await eventually(
      async () => (await badgeOf(bob.page, 'dm-item', 'alice')) === '',
      'badge cleared',
    );
    await send(bob.page, 'what is it?');
    await waitForText(alice.page, 'what is it?');
  });

  it('counts unread messages in a room that is not being viewed', async () => {
    await joinRoom(alice.page, 'random');
    await joinRoom(bob.page, 'random');
    await openRoom(bob.page, 'general');
    await send(alice.page, 'random 1');
    await eventually(
      async () => (await badgeOf(bob.page, 'room-item', 'random')) === '1',
      'badge 1',
    );
    await send(alice.page, 'random 2');
    await eventually(
      async () => (await badgeOf(bob.page, 'room-item', 'random')) === '2',
      'badge 2',
    );
    assert.equal(await badgeOf(bob.page, 'room-item', 'general'), '');
    await openRoom(bob.page, 'random');
    await waitForText(bob.page, 'random 2');
    await eventually(
      async () => (await badgeOf(bob.page, 'room-item', 'random')) === '',
      'cleared',
    );
  });

  it('opens a room clicked while the sidebar changes between the press and the release', async () => {
    // bob is in room:random; the press is on room:general's entry.
    const entry = bob.page.locator('[data-testid="room-item"][data-name="general"]');
    const box = (await entry.boundingBox())!;
    await bob.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await bob.page.mouse.down();
    // A message in room:general gives its entry an unread badge: the sidebar renders again.
    await openRoom(alice.page, 'general');
    await send(alice.page, 'while bob was clicking');
    await eventually(
      async () => (await badgeOf(bob.page, 'room-item', 'general')) === '1',
      'badge',
    );
    await bob.page.mouse.up();
    await bob.page.waitForFunction(
      () =>
        document.querySelector<HTMLElement>('[data-testid="channel-title"]')?.dataset.channel ===
        'room:general',
      undefined,
      { timeout: 5_000 },
    );
    await waitForText(bob.page, 'while bob was clicking');
  });

  it('keeps the same user and shows history after a reload', async () => {
    await openRoom(bob.page, 'general');
    await bob.page.reload();
    await waitForState(bob.page, 'online');
    assert.equal(await bob.page.getByTestId('login').isVisible(), false);
    assert.equal(await bob.page.getByTestId('me').textContent(), 'bob');
    await waitForText(bob.page, 'hello from alice');
    const shown = await texts(bob.page);
    assert.ok(shown.indexOf('hello from alice') < shown.indexOf('hi alice, bob here'));
    // Read positions survived too: nothing is unread after the reload.
    assert.equal(await badgeOf(bob.page, 'room-item', 'random'), '');
    assert.equal(await badgeOf(bob.page, 'dm-item', 'alice'), '');
  });

  it('shows a typing indicator to the other user', async () => {
    // A fresh room: the SDK sends at most one typing frame per channel every 3 s.
    await joinRoom(alice.page, 'typing');
    await joinRoom(bob.page, 'typing');
    await alice.page.getByTestId('composer-input').pressSequentially('typing', { delay: 20 });
    await bob.page.waitForFunction(
      () => document.querySelector('[data-testid="typing"]')?.textContent === 'alice is typing…',
    );
    assert.equal(await alice.page.getByTestId('typing').textContent(), '');
    await alice.page.getByTestId('composer-input').press('Enter');
    await waitForText(bob.page, 'typing');
    // A message from the typist ends the indicator at once.
    assert.equal(await bob.page.getByTestId('typing').textContent(), '');
    // A follow-up typed right after sending (within the 3 s throttle) is announced again.
    await alice.page.getByTestId('composer-input').pressSequentially('more', { delay: 20 });
    await bob.page.waitForFunction(
      () => document.querySelector('[data-testid="typing"]')?.textContent === 'alice is typing…',
      undefined,
      { timeout: 2500 },
    );
    await alice.page.getByTestId('composer-input').press('Enter');
    await waitForText(bob.page, 'more');
  });

  it('shows user text with dir="auto" and bidi controls as visible markers, not obeyed', async () => {
    const spoof = 'invoice_\u202Eexe.pdf';
    await send(alice.page, spoof);
    await send(alice.page, 'שלום, עולם');
    await waitForText(bob.page, 'שלום, עולם');
    const text = bob.page
      .locator('[data-testid="message"]')
      .filter({ hasText: 'invoice_' })
      .last()
      .getByTestId('message-text');
    assert.equal(await text.getAttribute('dir'), 'auto');
    assert.equal(await text.getByTestId('bidi-control').textContent(), 'U+202E');
    assert.doesNotMatch((await text.textContent()) ?? '', /[\u202A-\u202E\u2066-\u2069]/);
    // Where each letter of "exe.pdf" is drawn: left to right, as typed, not "fdp.exe".
    const lefts = await text.evaluate((el) => {
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      const chars: { node: Text; offset: number }[] = [];
      for (let n = walker.nextNode(); n; n = walker.nextNode())
        for (let i = 0; i < n.textContent!.length; i++) chars.push({ node: n as Text, offset: i });
      const all = chars.map((c) => c.node.textContent[c.offset]).join('');
      const at = all.indexOf('exe.pdf');
      return chars.slice(at, at + 7).map(({ node, offset }) => {
        const range = document.createRange();
        range.setStart(node, offset);
        range.setEnd(node, offset + 1);
        return range.getBoundingClientRect().left;
      });
    });
    assert.equal(lefts.length, 7);
    for (let i = 1; i < lefts.length; i++) assert.ok(lefts[i]! > lefts[i - 1]!, lefts.join(', '));
    const from = bob.page.locator('[data-testid="message"]').last().getByTestId('message-from');
    assert.equal(await from.getAttribute('dir'), 'auto');
    const rtl = bob.page.locator('[data-testid="message"]').last().getByTestId('message-text');
    assert.equal(await rtl.evaluate((el) => getComputedStyle(el).direction), 'rtl');
    for (const testId of ['room-item', 'online-user']) {
      const name = bob.page.getByTestId(testId).first().locator('.name');
      assert.equal(await name.getAttribute('dir'), 'auto', testId);
    }
    assert.equal(await bob.page.getByTestId('channel-title').getAttribute('dir'), 'auto');
  });

  it('renders HTML in messages as text', async () => {
    const evil =
      '<img src=x onerror="window.__pwned=1"><b>bold</b><script>window.__pwned=2</script>';
    await send(alice.page, evil);
    await waitForText(bob.page, evil);
    for (const u of [alice, bob]) {
      const list = u.page.getByTestId('message-list');
      assert.equal(await list.locator('img, b, script').count(), 0);
      assert.equal(
        await u.page.evaluate(() => (window as { __pwned?: number }).__pwned),
        undefined,
      );
    }
  });

  it('catches up in order without duplicates after a dropped connection', async () => {
    await joinRoom(alice.page, 'resume');
    await joinRoom(bob.page, 'resume');
    await send(alice.page, 'before the drop');
    await waitForText(bob.page, 'before the drop');

    await bob.context.setOffline(true);
    await cutSockets(bob.page);
    const state = await waitForState(bob.page, 'offline', 'reconnecting');
    assert.ok(state === 'offline' || state === 'reconnecting');
    const missed = Array.from({ length: 12 }, (_, i) => `missed ${i + 1}`);
    for (const text of missed) await send(alice.page, text);
    await waitForText(alice.page, 'missed 12');
    await bob.page.waitForTimeout(1500); // longer than the SDK's first reconnect delays
    assert.equal((await texts(bob.page)).includes('missed 1'), false, 'bob was really offline');
    assert.notEqual(await bob.page.getByTestId('conn-state').getAttribute('data-state'), 'online');

    await bob.context.setOffline(false);
    await waitForState(bob.page, 'online');
    await waitForText(bob.page, 'missed 12');
    await send(alice.page, 'after the drop');
    await waitForText(bob.page, 'after the drop');
    assert.deepEqual(await texts(bob.page), ['before the drop', ...missed, 'after the drop']);
    const s = await seqs(bob.page);
    assert.deepEqual(
      s,
      s.map((_, i) => s[0]! + i),
      'gapless, increasing seqs',
    );
  });

  it('loads older pages when scrolling back', async () => {
    const seeder = await rawSeeder(env.server.wsUrl, 'seeder');
    await seeder.call({ type: 'create', room: 'long' });
    for (let i = 1; i <= 120; i++) await seeder.sendToRoom('long', `line ${i}`);
    seeder.close();
    await joinRoom(bob.page, 'long');
    await waitForText(bob.page, 'line 120');
    let shown = await texts(bob.page);
    assert.ok(shown.length < 120 && shown.length > 0, `one page first, got ${shown.length}`);
    assert.equal(shown.at(-1), 'line 120');
    // A click without Playwright's scroll-into-view: that scroll alone would load older pages
    // (the scroll-back path) and race the click.
    await bob.page.getByTestId('load-older').dispatchEvent('click');
    await eventually(async () => (await texts(bob.page)).length > shown.length, 'older page');
    // The rest arrives by scrolling to the top.
    await eventually(async () => {
      await bob.page.getByTestId('messages').evaluate((el) => (el.scrollTop = 0));
      return (await texts(bob.page)).length === 120;
    }, 'all pages');
    shown = await texts(bob.page);
    assert.deepEqual(
      shown,
      Array.from({ length: 120 }, (_, i) => `line ${i + 1}`),
    );
    assert.equal(await bob.page.getByTestId('load-older').isVisible(), false);
  });

  it('lists every room in Browse rooms and joins one with a click', async () => {
    const room = `browse-${Date.now().toString(36)}`;
    await joinRoom(alice.page, room); // creates it: alice is its only member
    const page = bob.page;
    assert.equal(await page.locator(`[data-testid="room-item"][data-name="${room}"]`).count(), 0);

    await page.getByTestId('browse-rooms').click();
    const dialog = page.getByTestId('room-browser');
    await dialog.waitFor({ state: 'visible' });
    const row = dialog.locator(`[data-testid="browse-room"][data-name="${room}"]`);
    await row.waitFor();
    assert.equal(await row.getAttribute('data-joined'), 'false');
    assert.equal(await row.getByTestId('browse-room-members').textContent(), '1 member');
    // Rooms bob is already in are marked; the list is sorted by members, then name.
    const general = dialog.locator('[data-testid="browse-room"][data-name="general"]');
    assert.equal(await general.getAttribute('data-joined'), 'true');
    const rows = await dialog.getByTestId('browse-room').evaluateAll((els) =>
      els.map((e) => ({
        name: (e as HTMLElement).dataset.name!,
        members: parseInt(e.querySelector('[data-testid="browse-room-members"]')!.textContent),
      })),
    );
    const sorted = [...rows].sort(
      (a, b) => b.members - a.members || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
    );
    assert.deepEqual(rows, sorted);

    await row.click();
    await page.waitForFunction(
      (ch) =>
        document.querySelector<HTMLElement>('[data-testid="channel-title"]')?.dataset.channel ===
        ch,
      `room:${room}`,
    );
    await dialog.waitFor({ state: 'hidden' });
    await page.locator(`[data-testid="room-item"][data-name="${room}"]`).waitFor();
    await send(page, 'bob found this room by browsing');
    await openRoom(alice.page, room);
    await waitForText(alice.page, 'bob found this room by browsing');

    // Reopening refreshes the list: now joined, with two members.
    await page.getByTestId('browse-rooms').click();
    await eventually(
      async () =>
        (await row.getAttribute('data-joined').catch(() => null)) === 'true' &&
        (await row.getByTestId('browse-room-members').textContent()) === '2 members',
      'refreshed browse list',
    );
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  });

  it('is usable on a 375px-wide phone without horizontal scrolling', async () => {
    await openRoom(alice.page, 'general');
    const phone = await openUser(env.browser, env.server.url, 'carol', { width: 375, height: 740 });
    const page = phone.page;
    const overflow = () =>
      page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
    assert.equal(await overflow(), 0);
    assert.equal(await page.getByTestId('sidebar').isVisible(), true); // in the DOM, off-canvas
    const box = await page.getByTestId('sidebar').boundingBox();
    assert.ok(box && box.x + box.width <= 0, 'sidebar collapsed off-screen');
    await waitForText(page, 'hello from alice').catch(async (err: unknown) => {
      await page.screenshot({ path: '/tmp/switchboard-phone-failed.png' });
      throw new Error(`general shows ${JSON.stringify(await texts(page))}`, { cause: err });
    });
    await send(
      page,
      'hi from a phone with a rather long message that has to wrap onto several lines',
    );
    await waitForText(
      alice.page,
      'hi from a phone with a rather long message that has to wrap onto several lines',
    );
    assert.equal(await overflow(), 0);
    await page.screenshot({ path: '/tmp/switchboard-phone.png' });
    await page.getByTestId('menu-toggle').click();
    await page.waitForTimeout(300); // drawer transition
    await page.screenshot({ path: '/tmp/switchboard-phone-nav.png' });
    await page.locator('[data-testid="room-item"][data-name="general"]').click();
    await page.waitForTimeout(300);
    const after = await page.getByTestId('sidebar').boundingBox();
    assert.ok(after && after.x + after.width <= 0, 'drawer closes after choosing a room');
    await alice.page.screenshot({ path: '/tmp/switchboard-desktop.png' });
    assert.deepEqual(phone.errors, []);
    await phone.context.close();
  });

  it('shows a login form that reconnects as the same user on the next visit', async () => {
    const context = await env.browser.newContext();
    const page = await context.newPage();
    await page.goto(env.server.url);
    await login(page, 'dave');
    await page.goto(env.server.url);
    await waitForState(page, 'online');
    assert.equal(await page.getByTestId('me').textContent(), 'dave');
    await context.close();
  });
});
