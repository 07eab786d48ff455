/**
 * Conformance cases of the uploads seam (src/store/upload-store.ts) and of attachments on
 * messages: a claim is all or nothing and never shared; a message keeps its attachments until it
 * is deleted.
 */
import assert from 'node:assert/strict';
import type { UploadRecord } from '../../../src/store/store.js';
import { DM, ROOM, T0, msg, roomWith, type StoreCase } from './helpers.js';

const upload = (id: string, over: Partial<UploadRecord> = {}): UploadRecord => ({
  id,
  owner: 'ann',
  channel: ROOM,
  name: `${id}.png`,
  type: 'image/png',
  size: 1000,
  width: 10,
  height: 20,
  thumb: `${id}-t`,
  thumbSize: 100,
  createdAt: T0,
  ...over,
});

const attachment = (u: UploadRecord) => ({
  id: u.id,
  name: u.name,
  type: u.type,
  size: u.size,
  width: 10,
  height: 20,
  thumb: true as const,
});

export const UPLOAD_CASES: Record<string, StoreCase> = {
  'upload-record': {
    title: 'keeps an upload record and counts its bytes and thumbnail in the owner usage',
    async run({ open }) {
      const store = await open();
      await store.uploads.addUpload(upload('u1'));
      await store.uploads.addUpload(upload('u2', { thumb: undefined, thumbSize: undefined }));
      await store.uploads.addUpload(upload('u3', { owner: 'bob' }));
      assert.deepEqual(await store.uploads.upload('u1'), upload('u1'));
      const { thumb: _t, thumbSize: _s, ...plain } = upload('u2');
      assert.deepEqual(await store.uploads.upload('u2'), plain);
      assert.equal(await store.uploads.upload('nope'), null);
      assert.equal(await store.uploads.uploadUsage('ann'), 2100);
      await store.uploads.removeUpload('u1');
      assert.equal(await store.uploads.upload('u1'), null);
      assert.equal(await store.uploads.uploadUsage('ann'), 1000);
    },
  },
  'upload-claim': {
    title: 'claims uploads all or nothing, once, for the owner in their channel only',
    async run({ open }) {
      const store = await open();
      for (const id of ['a', 'b', 'c']) await store.uploads.addUpload(upload(id));
      await store.uploads.addUpload(upload('bobs', { owner: 'bob' }));
      await store.uploads.addUpload(upload('dm', { channel: DM }));
      const u = store.uploads;
      assert.equal(await u.claimUploads(['a', 'bobs'], 'ann', ROOM, 'm1'), null, 'not own');
      assert.equal(await u.claimUploads(['a', 'dm'], 'ann', ROOM, 'm1'), null, 'other channel');
      assert.equal(await u.claimUploads(['a', 'zz'], 'ann', ROOM, 'm1'), null, 'unknown');
      assert.equal(await u.claimUploads(['a', 'a'], 'ann', ROOM, 'm1'), null, 'twice');
      assert.equal((await u.upload('a'))!.claimedBy, undefined, 'a refused claim changes nothing');
      const claimed = await u.claimUploads(['b', 'a'], 'ann', ROOM, 'm1');
      assert.deepEqual(
        claimed?.map((r) => [r.id, r.claimedBy]),
        [
          ['b', 'm1'],
          ['a', 'm1'],
        ],
      );
      assert.ok(await u.claimUploads(['a', 'b'], 'ann', ROOM, 'm1'), 'the same message again');
      assert.equal(await u.claimUploads(['a'], 'ann', ROOM, 'm2'), null, 'another message');
      await u.releaseUploads(['a', 'b'], 'm1');
      assert.ok(await u.claimUploads(['a'], 'ann', ROOM, 'm2'), 'released, then claimed');
      assert.deepEqual((await u.unclaimedUploads(T0 + 1, 10)).map((r) => r.id).sort(), [
        'b',
        'bobs',
        'c',
        'dm',
      ]);
      assert.deepEqual(await u.unclaimedUploads(T0, 10), [], 'none older than T0');
    },
  },
  'upload-claim-race': {
    title: 'gives a contested upload to exactly one of two messages claiming it at once',
    async run({ open }) {
      const store = await open();
      await store.uploads.addUpload(upload('x'));
      const results = await Promise.all(
        ['m1', 'm2', 'm3'].map((cid) => store.uploads.claimUploads(['x'], 'ann', ROOM, cid)),
      );
      assert.equal(results.filter((r) => r !== null).length, 1);
    },
  },
  'attachments-kept-and-erased': {
    title: 'keeps a message attachments in the log and erases them when it is deleted',
    async run({ open }) {
      const store = await roomWith(open, 1);
      const files = [attachment(upload('a')), attachment(upload('b'))];
      const r = await store.append({ ...msg('m2'), attachments: files });
      assert.deepEqual(r.message.attachments, files);
      const [read] = await store.read(ROOM, { after: 1, limit: 1 });
      assert.deepEqual(read?.attachments, files);
      await store.append({
        channel: ROOM,
        cid: 'delete:2',
        from: 'ann',
        text: '',
        ts: T0 + 5,
        deletes: 2,
      });
      const [gone] = await store.read(ROOM, { after: 1, limit: 1 });
      assert.equal(gone?.deleted, true);
      assert.equal(gone?.attachments, undefined);
    },
  },
};
