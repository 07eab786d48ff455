/** Keeps docs/settings.md in step with the settings table (run `npm run docs` after a change). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { SETTINGS_MD_PATH, generateSettingsMarkdown } from '../../scripts/gen-settings-docs.js';
import { longFlag } from '../../src/settings/setting.js';
import { SETTINGS } from '../../src/settings/table.js';

const doc = readFileSync(SETTINGS_MD_PATH, 'utf8');

describe('docs/settings.md', () => {
  test('equals a fresh generation from the settings table (run npm run docs)', async () => {
    assert.equal(doc, await generateSettingsMarkdown());
  });

  test('has a row with the flag and env var of every setting', () => {
    for (const [name, row] of Object.entries(SETTINGS)) {
      const line = doc.split('\n').find((l) => l.startsWith(`| \`${name}\``));
      assert.ok(line, `no row for ${name}`);
      assert.ok(line.includes(`\`${longFlag(row)}\``), `${name}: flag`);
      assert.ok(line.includes(`\`${row.env}`), `${name}: env var`);
    }
  });
});
