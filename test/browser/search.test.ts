/**
 * Search on the page, in a real headless Chromium against a real server: Ctrl+K focuses the box,
 * a hit shows its channel and author with the match in a <mark>, clicking it opens its channel
 * at the message (loaded around it, far back in history) and marks it; "More results" pages on;
 * another's private room is not searched; a query that cannot run is said in words; Escape
 * closes; axe-clean at desktop and phone width.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Page } from 'playwright-core';
import {
  axeSerious,
  badgeOf,
  describeBrowser,
  eventually,
  joinRoom,
  openRoom,
  openTracked,
  rawSeeder,
} from './helpers.js';

const stamp = Date.now().toString(36);
const ROOM = `finds-${stamp}`;
const SECRET = `hush-${stamp}`;
const WORD = `quokka${stamp}`;
const MANY = `wombat${stamp}`;
const FILLERS = 120;

async function searchFor(page: Page, query: string): Promise<void> {
  await page.getByTestId('search-input').fill(query);
  await page.getByTestId('search-input').press('Enter');
  await page.waitForFunction(
    () =>
      document.querySelector('[data-testid="search-results"]')?.getAttribute('aria-busy') ===
      'false',
  );
}

/**
 * Scrolls the message list down until its newest page is loaded, as a reader does (scrolling
 * near the bottom loads the next page; a click on "Load newer" could race that load).
 */
async function scrollToNewest(page: Page): Promise<void> {
  await eventually(async () => {
    if (await page.getByTestId('load-newer').isHidden()) return true;
    await page.getByTestId('messages').evaluate((el) => (el.scrollTop = el.scrollHeight));
    return false;
  }, 'the newest page is loaded');
}

describeBrowser('chat page search', (env) => {
  let seeder = '';
  let target = 0;

  const user = (
    handle: string,
    viewport?: { width: number; height: number },
    colorScheme: 'light' | 'dark' = 'light',
  ) => openTracked(env, handle, viewport, { bypassCSP: true, colorScheme });

  it('seeds a room with one old message among many, and a private room of someone else', async () => {
    seeder = `seed-${stamp}`;
    const s = await rawSeeder(env.server.wsUrl, seeder);
    await s.call({ type: 'create', room: ROOM });
    const sent = (await s.sendToRoom(ROOM, `the ${WORD} is here`)) as { message: { seq: number } };
    target = sent.message.seq;
    for (let i = 0; i < FILLERS; i++)
      await s.sendToRoom(ROOM, i % 4 === 0 ? `${MANY} number ${i}` : `filler ${i}`);
    const owner = await rawSeeder(env.server.wsUrl, `own-${stamp}`);
    await owner.call({ type: 'create', room: SECRET, kind: 'private' });
    await owner.sendToRoom(SECRET, `a ${WORD} in private`);
    s.close();
    owner.close();
  });

  it('finds the word with a <mark>, and a click lands on the message in its channel', async () => {
    const ann = await user(`ann-${stamp}`);
    const page = ann.page;
    await joinRoom(page, ROOM);
    await openRoom(page, 'general');

    await page.locator('body').click();
    await page.keyboard.press('Control+k');
    assert.equal(
      await page.evaluate(() => document.activeElement?.getAttribute('data-testid')),
      'search-input',
    );
    await searchFor(page, WORD);
    const hits = page.getByTestId('search-hit');
    assert.equal(await hits.count(), 1, 'the private room of another is not searched');
    const hit = hits.first();
    assert.equal(await hit.getAttribute('data-channel'), `room:${ROOM}`);
    assert.equal(await hit.locator('mark').textContent(), WORD);
    assert.equal(await hit.getByTestId('search-hit-text').textContent(), `the ${WORD} is here`);
    assert.equal(await hit.getByTestId('search-hit-channel').textContent(), `#${ROOM}`);
    assert.equal(await hit.getByTestId('search-hit-from').textContent(), seeder);
    assert.deepEqual(await axeSerious(page), [], 'results pass axe');

    await hit.click();
    await page.waitForFunction(
      (ch) =>
        document.querySelector<HTMLElement>('[data-testid="channel-title"]')?.dataset.channel ===
        ch,
      `room:${ROOM}`,
    );
    const message = page.locator(`[data-testid="message"][data-seq="${target}"]`);
    // The hit is marked once the context below it has loaded too: wait for the mark, not the row.
    await page.locator(`[data-testid="message"][data-seq="${target}"].found`).waitFor();
    assert.equal(await page.getByTestId('search-results').isHidden(), true);
    assert.equal(
      await page.evaluate(() => document.activeElement?.getAttribute('data-seq')),
      String(target),
      'the focus is on the message',
    );
    const box = (await message.boundingBox())!;
    const view = (await page.getByTestId('messages').boundingBox())!;
    assert.ok(box.y >= view.y && box.y + box.height <= view.y + view.height, 'in view');
    // Loaded around it, not from the newest page: the newest is a page away.
    assert.equal(await page.getByTestId('load-newer').isVisible(), true);
    // A live message meanwhile: "Jump to latest" shows, and opens the channel at its newest.
    const live = await rawSeeder(env.server.wsUrl, `live-${stamp}`);
    await live.call({ type: 'join', room: ROOM });
    await live.sendToRoom(ROOM, 'said just now');
    await page.getByTestId('jump-latest').waitFor({ state: 'visible' });
    await page.getByTestId('jump-latest').click();
    await page.getByText('said just now').waitFor();
    assert.equal(await page.getByTestId('load-newer').isHidden(), true, 'the newest page is open');
    live.close();
    await page.getByTestId('search-input').fill('');
    await searchFor(page, WORD);
    await page.getByTestId('search-hit').first().click();
    await message.waitFor();
    assert.equal(await page.getByTestId('load-newer').isVisible(), true);
    await scrollToNewest(page);
    assert.equal(await page.getByTestId('load-newer').isHidden(), true);
    const last = page.locator('[data-testid="message"]').last();
    assert.equal(await last.getByTestId('message-text').textContent(), 'said just now');
    assert.equal(
      await page.locator('[data-testid="message"]').count(),
      FILLERS + 2,
      'one list from the hit to the newest, no gap',
    );
  });

  it('"More results" brings the next page; a query that cannot run is said in words; Escape closes', async () => {
    const bob = await user(`bob-${stamp}`);
    const page = bob.page;
    await joinRoom(page, ROOM);
    await page.getByTestId('composer-input').focus();
    await page.keyboard.press('Escape');
    await page.locator('body').click();
    await page.keyboard.press('/');
    assert.equal(
      await page.evaluate(() => document.activeElement?.getAttribute('data-testid')),
      'search-input',
    );
    await searchFor(page, MANY);
    assert.equal(await page.getByTestId('search-hit').count(), 20);
    await page.getByTestId('search-more').click();
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid="search-hit"]').length === n,
      FILLERS / 4,
    );
    assert.equal(await page.getByTestId('search-more').isHidden(), true);

    await searchFor(page, `${WORD} after:someday`);
    const status = (await page.getByTestId('search-status').textContent()) ?? '';
    assert.match(status, /cannot run/);
    assert.doesNotMatch(status, /SB_ERR/);

    await page.getByTestId('search-input').press('Escape');
    assert.equal(await page.getByTestId('search-results').isHidden(), true);
  });

  it('works at phone width without sideways scrolling and passes axe in dark mode', async () => {
    const cy = await user(`cy-${stamp}`, { width: 375, height: 740 }, 'dark');
    const page = cy.page;
    await joinRoom(page, ROOM);
    await searchFor(page, WORD);
    await page.getByTestId('search-hit').first().waitFor();
    assert.ok(
      await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
      'no horizontal overflow',
    );
    assert.deepEqual(await axeSerious(page), [], 'phone results pass axe');
    await page.getByTestId('search-hit').first().click();
    await page.locator(`[data-testid="message"][data-seq="${target}"]`).waitFor();
  });

  it('leaves what came after an old hit unread: only what was loaded has been seen', async () => {
    const dee = await user(`dee-${stamp}`);
    const page = dee.page;
    await joinRoom(page, ROOM);
    await openRoom(page, 'general');
    const late = await rawSeeder(env.server.wsUrl, `late-${stamp}`);
    await late.call({ type: 'join', room: ROOM });
    await late.sendToRoom(ROOM, 'unread one');
    await late.sendToRoom(ROOM, 'unread two');
    late.close();
    await eventually(
      async () => (await badgeOf(page, 'room-item', ROOM)) === '2',
      'two unread in the sidebar',
    );
    await searchFor(page, WORD);
    await page.getByTestId('search-hit').first().click();
    await page.locator(`[data-testid="message"][data-seq="${target}"].found`).waitFor();
    await openRoom(page, 'general');
    // Had the hit marked the channel read to its end, the badge would be gone.
    await eventually(
      async () => (await badgeOf(page, 'room-item', ROOM)) === '2',
      'still two unread after opening an old hit',
    );
    // Scrolled down to the newest from the hit, it is all read.
    await searchFor(page, WORD);
    await page.getByTestId('search-hit').first().click();
    await page.locator(`[data-testid="message"][data-seq="${target}"].found`).waitFor();
    await scrollToNewest(page);
    await page.getByText('unread two').waitFor();
    await openRoom(page, 'general');
    await eventually(
      async () => (await badgeOf(page, 'room-item', ROOM)) === '',
      'read once the newest was shown',
    );
  });
});
