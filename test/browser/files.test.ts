/**
 * Files on the page, in a real headless Chromium against a real server: the Attach button
 * uploads with a progress bar and sends; an image shows as its thumbnail for both people (a click
 * opens the file), another file as a download link with its name and size; dropping a file on
 * the message list sends it too; the page stays axe clean.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { axeSerious, describeBrowser, eventually, joinRoom, openTracked } from './helpers.js';
import { png } from '../helpers/upload-fixtures.js';

describeBrowser('chat page files', (env) => {
  const user = (handle: string) => openTracked(env, handle, undefined, { bypassCSP: true });

  it('sends an image and a text file: a thumbnail and a download link for both, axe clean', async () => {
    const ann = await user('fran');
    const bob = await user('gus');
    const room = `files-${Date.now() % 100_000}`;
    await joinRoom(ann.page, room);
    await joinRoom(bob.page, room);

    await ann.page.getByTestId('composer-input').fill('a picture');
    await ann.page.getByTestId('attach-input').setInputFiles({
      name: 'cat.png',
      mimeType: 'text/plain',
      buffer: await png(200, 100),
    });
    for (const page of [ann.page, bob.page]) {
      const thumb = page.getByTestId('attachment-thumb');
      await thumb.waitFor({ state: 'visible' });
      assert.equal(await thumb.getAttribute('alt'), 'cat.png');
      await eventually(
        async () => (await thumb.evaluate((img) => (img as HTMLImageElement).naturalWidth)) > 0,
        'the thumbnail loaded',
      );
    }
    const href = await bob.page.getByTestId('attachment-image').getAttribute('href');
    assert.match(href ?? '', /^\/api\/v1\/files\/[\w-]+\?exp=\d+&sig=/);
    const file = await bob.page.request.get(`${env.server.url}${href!}`);
    assert.equal(file.headers()['content-type'], 'image/png');

    // Dropped on the message list.
    await ann.page.getByTestId('messages').evaluate((el) => {
      const dt = new DataTransfer();
      dt.items.add(new File(['hello notes\n'], 'notes.txt', { type: 'text/plain' }));
      el.dispatchEvent(
        new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }),
      );
      el.dispatchEvent(
        new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }),
      );
    });
    const link = bob.page.getByTestId('attachment-file');
    await link.waitFor({ state: 'visible' });
    assert.equal((await link.textContent())?.trim(), 'notes.txt (12 B)');
    await eventually(
      async () => /^\/api\/v1\/files\//.test((await link.getAttribute('href')) ?? ''),
      'the download link is signed',
    );
    assert.equal(await ann.page.getByTestId('upload-progress').isHidden(), true, 'bar gone');
    assert.deepEqual(await axeSerious(bob.page), []);
  });
});
