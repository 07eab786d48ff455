/**
 * Previous versions on the page in a real headless Chromium: a room's owner opens every version
 * of an edited message from its menu; the author, a plain member, is not offered them.
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { axeSerious, describeBrowser, joinRoom, openUser, send, type User } from './helpers.js';

describeBrowser('browser message versions', (env) => {
  let owner: User;
  let author: User;

  before(async () => {
    owner = await openUser(env.browser, env.server.url, 'own', undefined, { bypassCSP: true });
    author = await openUser(env.browser, env.server.url, 'aut');
    env.users.push(owner, author);
    await joinRoom(owner.page, 'versions-room');
    await joinRoom(author.page, 'versions-room');
    await send(author.page, 'first draft');
    const msg = author.page.getByTestId('message').last();
    await msg.getByTestId('message-text').getByText('first draft').waitFor();
    await msg.getByTestId('message-menu').click();
    await author.page.getByTestId('action-edit').click();
    await author.page.getByTestId('ask-input').fill('final text');
    await author.page.getByTestId('ask-input').press('Enter');
    await owner.page.getByTestId('message').last().getByTestId('message-edited').waitFor();
  });

  it('shows the owner every version of an edited message, oldest first', async () => {
    const msg = owner.page.getByTestId('message').last();
    await msg.getByTestId('message-menu').click();
    await owner.page.getByTestId('action-versions').click();
    const dialog = owner.page.getByTestId('versions');
    await dialog.waitFor();
    const texts = await dialog.getByTestId('version').locator('.text').allTextContents();
    assert.deepEqual(texts, ['first draft', 'final text']);
    assert.deepEqual(await axeSerious(owner.page), []);
    await owner.page.getByTestId('versions-close').click();
    await dialog.waitFor({ state: 'hidden' });
  });

  it('does not offer versions to the author, a plain member', async () => {
    await author.page.getByTestId('message').last().getByTestId('message-menu').click();
    await author.page.getByTestId('action-edit').waitFor();
    assert.equal(await author.page.getByTestId('action-versions').count(), 0);
    await author.page.keyboard.press('Escape');
  });
});
