/** switchboard/client/files against a real server: upload, attach, links, coded refusals. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fileLink, upload } from '../../src/client/files.js';
import { png } from '../helpers/upload-fixtures.js';
import { serverWithUsers } from './helpers.js';

const fx = serverWithUsers();
const { user } = fx;

describe('switchboard/client/files', () => {
  test('uploads bytes with progress, sends them attached, and fetches them through a link', async () => {
    const ann = await user('ann');
    const bytes = await png(64, 48);
    const progress: number[] = [];
    const file = await upload('room:general', bytes, {
      token: ann.token!,
      baseUrl: fx.server.url,
      name: 'dog.png',
      onProgress: (sent) => progress.push(sent),
    });
    assert.deepEqual(
      { ...file, id: '' },
      { id: '', name: 'dog.png', type: 'image/png', size: bytes.length, width: 64, height: 48 },
    );
    assert.equal(progress.at(-1), bytes.length);
    const sent = await ann.sendToRoom('general', '', { attachments: [file.id] });
    assert.equal(sent.attachments?.[0]?.id, file.id);
    const link = await fileLink(file.id, { token: ann.token!, baseUrl: fx.server.url });
    assert.ok(link.thumbUrl);
    const res = await fetch(link.url);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), bytes);
  });

  test('rejects with the problem code', async () => {
    const ann = await user('ann');
    await assert.rejects(
      upload('room:nowhere', new Uint8Array([1, 2, 3]), {
        token: ann.token!,
        baseUrl: fx.server.url,
      }),
      { code: 'SB_ERR_ROOM_NOT_FOUND' },
    );
    await assert.rejects(fileLink('nope', { token: ann.token!, baseUrl: fx.server.url }), {
      code: 'SB_ERR_FILE_NOT_FOUND',
    });
  });
});
