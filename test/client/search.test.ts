/** switchboard/client/search against a real server: pages, highlights, privacy and coded errors. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { invite } from '../../src/client/moderation.js';
import { highlightPieces, search } from '../../src/client/search.js';
import { errorCode, handle, serverWithUsers } from './helpers.js';

const fx = serverWithUsers();
const { user } = fx;

const room = (prefix: string) => handle(prefix).replace(/[^a-z0-9_-]/g, '');

describe('switchboard/client/search', () => {
  test('finds a word newest first with its highlights, a page at a time through the cursor', async () => {
    const ann = await user('ann');
    const name = room('srch');
    await ann.createRoom(name);
    const word = `zebra${Date.now().toString(36)}`;
    for (let i = 1; i <= 3; i++) await ann.sendToRoom(name, `the ${word} number ${i}`);
    const first = await search(ann, word, { limit: 2 });
    assert.deepEqual(
      first.hits.map((h) => h.text),
      [`the ${word} number 3`, `the ${word} number 2`],
    );
    const hit = first.hits[0]!;
    assert.equal(hit.channel, `room:${name}`);
    assert.equal(hit.from, ann.user);
    assert.deepEqual(hit.highlights, [[4, 4 + word.length]]);
    assert.deepEqual(highlightPieces(hit), [
      { text: 'the ', marked: false },
      { text: word, marked: true },
      { text: ' number 3', marked: false },
    ]);
    assert.ok(first.cursor, 'a next page');
    const second = await search(ann, word, { limit: 2, cursor: first.cursor });
    assert.deepEqual(
      second.hits.map((h) => h.text),
      [`the ${word} number 1`],
    );
    assert.equal(second.cursor, undefined);
  });

  test('a private room of others is not searched, and says nothing about itself', async () => {
    const owner = await user('own');
    const friend = await user('frd');
    const stranger = await user('str');
    const club = room('club');
    await owner.createRoom(club, 'private');
    await invite(owner, club, friend.user!);
    const word = `secret${Date.now().toString(36)}`;
    await owner.sendToRoom(club, `the ${word} plan`);
    assert.equal((await search(friend, word)).hits.length, 1);
    assert.deepEqual((await search(stranger, word)).hits, []);
    assert.deepEqual((await search(stranger, `in:#${club} ${word}`)).hits, []);
  });

  test('rejects an empty query and a malformed date with SB_ERR_SEARCH_INVALID', async () => {
    const ann = await user('ann');
    const code = errorCode;
    assert.equal(await code(search(ann, '   ')), 'SB_ERR_SEARCH_INVALID');
    assert.equal(await code(search(ann, 'hello after:yesterday')), 'SB_ERR_SEARCH_INVALID');
  });

  test('highlightPieces clamps ranges that overlap or run past the text', () => {
    const pieces = highlightPieces({
      text: 'abcdef',
      highlights: [
        [1, 3],
        [2, 4],
        [5, 99],
      ],
    });
    assert.deepEqual(pieces, [
      { text: 'a', marked: false },
      { text: 'bc', marked: true },
      { text: 'd', marked: true },
      { text: 'e', marked: false },
      { text: 'f', marked: true },
    ]);
  });
});
