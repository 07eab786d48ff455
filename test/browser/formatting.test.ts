/**
 * Writing and formatting messages on the page in a real headless Chromium (issue 8): the
 * multi-line composer.
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeBrowser, joinRoom, openUser, type User } from './helpers.js';

describeBrowser('browser message formatting', (env) => {
  let ann: User;
  let ben: User;

  before(async () => {
    ann = await openUser(env.browser, env.server.url, 'ann');
    ben = await openUser(env.browser, env.server.url, 'ben');
    env.users.push(ann, ben);
    await joinRoom(ann.page, 'fmt');
    await joinRoom(ben.page, 'fmt');
  });

  it('sends a two-line message with Shift+Enter; the composer grows, then shrinks after sending', async () => {
    const input = ann.page.getByTestId('composer-input');
    const height = () => input.evaluate((e) => e.getBoundingClientRect().height);
    const oneLine = await height();
    await input.click();
    await ann.page.keyboard.type('line one');
    await ann.page.keyboard.press('Shift+Enter');
    await ann.page.keyboard.type('line two');
    await ann.page.keyboard.press('Shift+Enter');
    await ann.page.keyboard.type('line three');
    assert.equal(await input.inputValue(), 'line one\nline two\nline three', 'not sent yet');
    assert.ok((await height()) > oneLine * 1.8, 'grown to show three lines');
    const count = await ann.page.getByTestId('message').count();
    await ann.page.keyboard.press('Enter');
    const body = ann.page.getByTestId('message').nth(count).getByTestId('message-text');
    assert.equal(await body.textContent(), 'line one\nline two\nline three');
    assert.equal(
      await body.evaluate((e) => (e as HTMLElement).innerText),
      'line one\nline two\nline three',
    );
    assert.equal(await input.inputValue(), '');
    assert.equal(await height(), oneLine);
    // It stops growing at its max height and scrolls.
    await input.fill(Array.from({ length: 40 }, (_, i) => `row ${i}`).join('\n'));
    const tall = await height();
    assert.ok(tall <= 200 && tall > oneLine * 3, `capped height ${tall}`);
    assert.ok(await input.evaluate((e) => e.scrollHeight > e.clientHeight));
    await input.fill('');
  });
});
