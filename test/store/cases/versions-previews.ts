/**
 * Conformance cases of the versions of an edited message (every text it had, for moderators)
 * and of link previews (a `previews` event gives its message a preview, once; a delete erases
 * both, like the text).
 */
import assert from 'node:assert/strict';
import type { NewMessage } from '../../../src/store/store.js';
import { ROOM, T0, msg, roomWith, type StoreCase } from './helpers.js';

const edit = (seq: number, text: string, ts: number): NewMessage => ({
  channel: ROOM,
  cid: `e${seq}-${ts}`,
  from: 'ann',
  text,
  ts,
  edits: seq,
});
const del = (seq: number): NewMessage => ({
  channel: ROOM,
  cid: `delete:${seq}`,
  from: 'ann',
  text: '',
  ts: T0 + 900_000,
  deletes: seq,
});
const PREVIEW = {
  url: 'https://example.com/a',
  title: 'Example',
  description: 'An example page',
  siteName: 'Example site',
};
const preview = (seq: number, p = PREVIEW): NewMessage => ({
  channel: ROOM,
  cid: `preview:${seq}`,
  from: 'ann',
  text: '',
  ts: T0 + 5_000,
  previews: seq,
  preview: p,
});

export const VERSIONS_PREVIEWS_CASES: Record<string, StoreCase> = {
  'versions-unedited': {
    title: 'a message never edited has one version: its text at its time',
    async run({ open }) {
      const store = await roomWith(open, 1);
      assert.deepEqual(await store.versions(ROOM, 1), [{ text: 'text m1', ts: T0 }]);
      assert.deepEqual(await store.versions(ROOM, 7), [], 'no such message: no versions');
    },
  },
  'versions-kept': {
    title: 'an edited message keeps its original text and every edit, oldest first',
    async run({ open }) {
      const store = await roomWith(open, 2);
      await store.append(edit(1, 'second', T0 + 1_000));
      await store.append(edit(1, 'third', T0 + 2_000));
      assert.deepEqual(await store.versions(ROOM, 1), [
        { text: 'text m1', ts: T0 },
        { text: 'second', ts: T0 + 1_000 },
        { text: 'third', ts: T0 + 2_000 },
      ]);
      const [m1] = await store.read(ROOM, { after: 0, limit: 1 });
      assert.equal(m1!.text, 'third', 'the message reads its last version');
      assert.deepEqual(await store.versions(ROOM, 2), [{ text: 'text m2', ts: T0 }]);
      assert.deepEqual(await store.versions(ROOM, 3), [], 'an event has no versions');
    },
  },
  'versions-erased-by-delete': {
    title: 'a delete erases every version of its message, the original included',
    async run({ open }) {
      const store = await roomWith(open, 1);
      await store.append(edit(1, 'second', T0 + 1_000));
      await store.append(del(1));
      assert.deepEqual(await store.versions(ROOM, 1), []);
      const log = await store.read(ROOM, { after: 0, limit: 10 });
      assert.ok(
        log.every((m) => !m.text.includes('text m1') && !m.text.includes('second')),
        'no text of it is left in the log',
      );
    },
  },
  'preview-added': {
    title: 'a preview event appends an entry and gives its message the preview, once',
    async run({ open }) {
      const store = await roomWith(open, 1);
      const r = await store.append(preview(1));
      assert.deepEqual(r, { message: { ...preview(1), seq: 2 }, duplicate: false });
      const log = await store.read(ROOM, { after: 0, limit: 10 });
      assert.deepEqual(log[0], { ...msg('m1'), seq: 1, preview: PREVIEW });
      assert.deepEqual(log[1], { ...preview(1), seq: 2 });
      const messages = await store.read(ROOM, { limit: 10, messagesOnly: true });
      assert.deepEqual(
        messages.map((m) => m.seq),
        [1],
        'a preview event is not a message',
      );
      assert.equal((await store.append(preview(1))).duplicate, true, 'the same cid: a duplicate');
      const head = await store.head(ROOM);
      await assert.rejects(
        store.append({ ...preview(1), cid: 'another' }),
        { code: 'SB_ERR_MESSAGE_NOT_FOUND' },
        'a second preview of one message is refused',
      );
      assert.deepEqual(await store.head(ROOM), head, 'and appends nothing');
      assert.equal(await store.countMessages(ROOM, 0, 10, 10), 1);
    },
  },
  'preview-erased-by-delete': {
    title: 'a delete erases the preview of its message and of the preview entry',
    async run({ open }) {
      const store = await roomWith(open, 1);
      await store.append(preview(1));
      await store.append(del(1));
      const log = await store.read(ROOM, { after: 0, limit: 10 });
      assert.equal(log[0]!.preview, undefined);
      assert.equal(log[1]!.preview, undefined);
      assert.equal(log[1]!.previews, 1, 'the entry keeps its seq and target');
      await assert.rejects(store.append({ ...preview(1), cid: 'late' }), {
        code: 'SB_ERR_MESSAGE_NOT_FOUND',
      });
    },
  },
  'preview-survives-edit': {
    title: 'an edit keeps the preview of its message',
    async run({ open }) {
      const store = await roomWith(open, 1);
      await store.append(preview(1));
      await store.append(edit(1, 'new text', T0 + 9_000));
      const [m1] = await store.read(ROOM, { limit: 10, messagesOnly: true });
      assert.deepEqual(m1!.preview, PREVIEW);
      assert.equal(m1!.text, 'new text');
    },
  },
};
