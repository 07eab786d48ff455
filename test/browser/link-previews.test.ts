/**
 * Link previews on the page in a real headless Chromium: a message with a link gets a card
 * under it (site name, title, description) that opens the page safely, on the sender's and
 * the reader's page; the preview image is not loaded; the card passes axe.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, it } from 'node:test';
import { axeSerious, describeBrowser, joinRoom, openUser, send, type User } from './helpers.js';

const PAGE = `<!doctype html><html><head><title>fallback</title>
<meta property="og:title" content="A page worth a preview">
<meta property="og:description" content="What the page is about, in a sentence.">
<meta property="og:site_name" content="Example Site">
<meta property="og:image" content="/cover.png">
</head><body></body></html>`;

let pages: Server;
let base: string;
let imageRequests = 0;

describeBrowser(
  'browser link previews',
  (env) => {
    let ann: User;
    let ben: User;

    before(async () => {
      pages = createServer((req, res) => {
        if (req.url === '/cover.png') imageRequests++;
        res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
      });
      await new Promise<void>((r) => pages.listen(0, '127.0.0.1', r));
      base = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
      ann = await openUser(env.browser, env.server.url, 'ann', undefined, { bypassCSP: true });
      ben = await openUser(env.browser, env.server.url, 'ben', undefined, { bypassCSP: true });
      env.users.push(ann, ben);
      await joinRoom(ann.page, 'links');
      await joinRoom(ben.page, 'links');
    });
    after(() => {
      pages.closeAllConnections();
      pages.close();
    });

    it('shows a preview card under a message with a link, for its sender and its readers', async () => {
      await send(ann.page, `have a look: ${base}/post`);
      for (const page of [ann.page, ben.page]) {
        const card = page.getByTestId('message').last().getByTestId('link-preview');
        await card.waitFor();
        assert.equal(await card.getAttribute('href'), `${base}/post`);
        assert.equal(await card.getAttribute('rel'), 'noopener noreferrer nofollow');
        assert.equal(await card.getAttribute('target'), '_blank');
        assert.equal(await card.getAttribute('dir'), 'auto');
        assert.equal(await card.locator('.title').textContent(), 'A page worth a preview');
        assert.equal(await card.locator('.site').textContent(), 'Example Site');
        assert.equal(
          await card.locator('.description').textContent(),
          'What the page is about, in a sentence.',
        );
        assert.equal(await card.locator('img').count(), 0, 'no image is shown');
      }
      assert.equal(imageRequests, 0, 'the preview image is never fetched');
    });

    it('keeps the card after a reload (history gives the preview)', async () => {
      await ben.page.reload();
      await joinRoom(ben.page, 'links');
      await ben.page.getByTestId('link-preview').first().waitFor();
    });

    it('passes axe with a preview card on screen', async () => {
      assert.deepEqual(await axeSerious(ann.page), []);
    });
  },
  ['--link-previews', '--fetch-allow', '127.0.0.1'],
);
