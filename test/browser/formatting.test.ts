/**
 * Writing and formatting messages on the page in a real headless Chromium (issue 8): the
 * multi-line composer, the Markdown subset, links that open safely, hostile input that stays
 * inert.
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import type { Page } from 'playwright-core';
import {
  cutSockets,
  describeBrowser,
  joinRoom,
  openUser,
  send,
  waitForState,
  type User,
} from './helpers.js';

/** Sends `text` and returns the body of the message it became, once shown. */
async function sendAndGet(page: Page, text: string) {
  const before = await page.getByTestId('message').count();
  await send(page, text);
  await page.getByTestId('message').nth(before).waitFor();
  return page.getByTestId('message').nth(before).getByTestId('message-text');
}

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

  it('edits a multi-line message keeping its lines, Shift+Enter adding one', async () => {
    const index = await ann.page.getByTestId('message').count();
    await sendAndGet(ann.page, '**one**\nline two');
    const msg = ann.page.getByTestId('message').nth(index);
    await msg.getByTestId('message-menu').click();
    await ann.page.getByTestId('action-edit').click();
    const input = ann.page.getByTestId('ask-input');
    assert.equal(await input.inputValue(), '**one**\nline two');
    await input.press('Control+End');
    await input.press('Shift+Enter');
    await input.pressSequentially('line three');
    await input.press('Enter');
    await msg.getByTestId('message-edited').waitFor();
    assert.equal(await msg.getByTestId('message-text').textContent(), 'one\nline two\nline three');
    assert.equal(await msg.getByTestId('message-text').locator('strong').textContent(), 'one');
  });

  it('formats a message not sent yet as it will be once sent', async () => {
    await ann.context.setOffline(true);
    await cutSockets(ann.page);
    await waitForState(ann.page, 'offline', 'reconnecting');
    await send(ann.page, 'offline **bold** https://example.com/x');
    const pending = ann.page.getByTestId('pending-text').last();
    assert.equal(await pending.locator('strong').textContent(), 'bold');
    assert.equal(await pending.locator('a').getAttribute('rel'), 'noopener noreferrer nofollow');
    await ann.context.setOffline(false);
    await waitForState(ann.page, 'online');
    await pending.waitFor({ state: 'detached' });
    const sent = ann.page.getByTestId('message-text').last();
    assert.equal(await sent.locator('strong').textContent(), 'bold');
  });

  it('renders bold, italic, inline code, a code block, a quote and lists', async () => {
    const body = await sendAndGet(ann.page, '**bold** and *italic* with `code()`');
    assert.equal(await body.locator('strong').textContent(), 'bold');
    assert.equal(await body.locator('em').textContent(), 'italic');
    assert.equal(await body.locator('code').textContent(), 'code()');
    assert.equal(await body.getAttribute('dir'), 'auto');

    const long = `const x = ${'1 + '.repeat(80)}1;`;
    const block = await sendAndGet(
      ann.page,
      '```\nfunction f() {\n    return 1;\n}\n' + long + '\n```',
    );
    const pre = block.locator('pre');
    assert.equal(
      await pre.locator('code').textContent(),
      `function f() {\n    return 1;\n}\n${long}`,
    );
    assert.equal(await pre.evaluate((e) => getComputedStyle(e).whiteSpace), 'pre');
    assert.ok(
      await pre.evaluate((e) => e.scrollWidth > e.clientWidth),
      'a long line scrolls inside the code block',
    );
    const messages = ann.page.getByTestId('messages');
    assert.ok(await messages.evaluate((e) => e.scrollWidth <= e.clientWidth), 'the page does not');

    const quote = await sendAndGet(ann.page, '> quoted words');
    assert.equal(await quote.locator('blockquote').textContent(), 'quoted words');
    const list = await sendAndGet(ann.page, '- one\n- two\n\n1. first\n2. second');
    assert.deepEqual(await list.locator('ul > li').allTextContents(), ['one', 'two']);
    assert.deepEqual(await list.locator('ol > li').allTextContents(), ['first', 'second']);
    // The other side sees the same.
    const last = ben.page.getByTestId('message-text').last();
    await last.locator('ol > li').nth(1).waitFor();
  });

  it('makes a URL a link that opens in a new tab with rel="noopener noreferrer nofollow"', async () => {
    const body = await sendAndGet(
      ann.page,
      'docs at https://example.com/a?b=1 and ann@example.com',
    );
    const links = body.locator('a');
    assert.equal(await links.count(), 2);
    assert.equal(await links.nth(0).getAttribute('href'), 'https://example.com/a?b=1');
    assert.equal(await links.nth(0).getAttribute('target'), '_blank');
    assert.equal(await links.nth(0).getAttribute('rel'), 'noopener noreferrer nofollow');
    assert.equal(await links.nth(1).getAttribute('href'), 'mailto:ann@example.com');
    assert.equal(await links.nth(1).getAttribute('rel'), 'noopener noreferrer nofollow');
  });

  it('keeps hostile input inert: no script, image, handler or javascript: link ever appears', async () => {
    const hostile = [
      '<script>window.__pwned=1</script>',
      '<img src=x onerror="window.__pwned=2">',
      '[click me](javascript:window.__pwned=3)',
      '<a href="javascript:window.__pwned=4">raw link</a>',
      '<javascript:window.__pwned=5>',
      '&lt;img src=x onerror=window.__pwned=6&gt; &amp;',
      '`<svg onload=window.__pwned=7>`',
      '```\n</code></pre><img src=x onerror="window.__pwned=8">\n```',
      '**<iframe src="javascript:window.__pwned=9">**',
      'data:text/html,<script>window.__pwned=10</script> vbscript:x file:///etc/passwd',
      '![x](javascript:window.__pwned=11)',
    ];
    for (const text of hostile) {
      const body = await sendAndGet(ann.page, text);
      const typed = text.startsWith('```')
        ? text.split('\n')[1]
        : text.replace(/^\*\*|\*\*$|^`|`$/g, '');
      assert.equal(await body.textContent(), typed, 'shown as typed');
    }
    await ben.page.getByTestId('message-text').filter({ hasText: '![x](javascript' }).waitFor();
    for (const u of [ann, ben]) {
      const found = await u.page.getByTestId('message-list').evaluate((list) => ({
        elements: list.querySelectorAll('script, img, iframe, svg, object, embed').length,
        handlers: Array.from(list.querySelectorAll('*')).flatMap((e) =>
          Array.from(e.attributes)
            .map((a) => a.name)
            .filter((n) => n.startsWith('on')),
        ),
        hrefs: Array.from(list.querySelectorAll('[href], [src]')).map(
          (e) => e.getAttribute('href') ?? e.getAttribute('src'),
        ),
        pwned: (window as { __pwned?: number }).__pwned,
      }));
      assert.equal(found.elements, 0, u.handle);
      assert.deepEqual(found.handlers, [], u.handle);
      for (const href of found.hrefs) assert.match(href ?? '', /^(https?|mailto):/, u.handle);
      assert.equal(found.pwned, undefined, u.handle);
    }
  });
});
