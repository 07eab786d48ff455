import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkConfusable, normalizeName, skeleton } from '../../src/auth/display-name.js';

describe('display names', () => {
  test('allow Unicode, trimmed and NFC-normalised', () => {
    assert.equal(normalizeName('  Zoë 🦜 '), 'Zoë 🦜');
    assert.equal(normalizeName('Zoe\u0308'), 'Zoë');
    assert.equal(normalizeName('👩‍💻 dev'), '👩‍💻 dev', 'emoji joined with U+200D');
  });

  test('refuse empty, over 64 characters, control and bidi characters with SB_ERR_NAME_INVALID', () => {
    for (const name of ['', '   ', 'x'.repeat(65), 'a\u0007b', 'evil\u202Egnp', 'a\u200Bb']) {
      assert.throws(
        () => normalizeName(name),
        { code: 'SB_ERR_NAME_INVALID' },
        JSON.stringify(name),
      );
    }
  });

  test('see Cyrillic, full-width, accented, digit and rn look-alikes as the same skeleton', () => {
    const admin = skeleton('admin');
    for (const lookalike of [
      'АDMIN',
      'аdmin',
      'Ａｄｍｉｎ',
      'ädmin',
      'adm1n',
      'ad_min',
      'adrnin',
    ]) {
      assert.equal(skeleton(lookalike), admin, lookalike);
    }
    assert.notEqual(skeleton('adam'), admin);
  });

  test("refuse a name that looks like another user's handle with SB_ERR_NAME_CONFUSABLE", () => {
    assert.throws(() => checkConfusable('Аdmin', 'ann', ['admin', 'ann']), {
      code: 'SB_ERR_NAME_CONFUSABLE',
    });
    checkConfusable('ANN', 'ann', ['admin', 'ann']);
    checkConfusable('Ann the Admin', 'ann', ['admin', 'ann']);
  });
});
