/** Keeps docs/permissions.md in step with the permission table (run `npm run docs` after a change). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  PERMISSIONS_MD_PATH,
  generatePermissionsMarkdown,
} from '../../scripts/gen-permissions-docs.js';
import { ROOM_COMMANDS, ROOM_KINDS, ROOM_STATES } from '../../src/core/permissions.js';

const doc = readFileSync(PERMISSIONS_MD_PATH, 'utf8');

describe('docs/permissions.md', () => {
  test('equals a fresh generation from the permission table (run npm run docs)', async () => {
    assert.equal(doc, await generatePermissionsMarkdown());
  });

  test('has a row for every room command in each room kind and state', () => {
    // The standings table, then one matrix per (state, kind).
    const rows = 1 + ROOM_STATES.length * ROOM_KINDS.length;
    for (const c of ROOM_COMMANDS)
      assert.equal(doc.split('\n').filter((l) => l.startsWith(`| \`${c}\``)).length, rows, c);
  });
});
