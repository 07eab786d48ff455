import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FileLinks, LINK_TTL_MS } from '../../src/http/file-link.js';
import { sanitizeFileName, MAX_FILE_NAME } from '../../src/http/file-name.js';

const parts = (path: string) => {
  const q = new URL(path, 'http://x').searchParams;
  return { exp: q.get('exp'), sig: q.get('sig') };
};

describe('signed file links', () => {
  test('a link verifies until it expires, then answers SB_ERR_FILE_LINK_INVALID', () => {
    let now = 1_000_000;
    const links = new FileLinks('a secret of sixteen+', () => now);
    const { path, expires } = links.sign('abc', 'file');
    assert.equal(expires, 1_000_000 + LINK_TTL_MS);
    const { exp, sig } = parts(path);
    links.verify('abc', 'file', exp, sig);
    now = expires + 1;
    assert.throws(() => links.verify('abc', 'file', exp, sig), {
      code: 'SB_ERR_FILE_LINK_INVALID',
    });
  });

  test('a link is for one file, one variant and one secret', () => {
    const links = new FileLinks('a secret of sixteen+');
    const { exp, sig } = parts(links.sign('abc', 'file').path);
    const invalid = { code: 'SB_ERR_FILE_LINK_INVALID' };
    assert.throws(() => links.verify('abd', 'file', exp, sig), invalid);
    assert.throws(() => links.verify('abc', 'thumb', exp, sig), invalid);
    assert.throws(
      () => new FileLinks('another secret, 16+').verify('abc', 'file', exp, sig),
      invalid,
    );
    assert.throws(() => links.verify('abc', 'file', '1e99', sig), invalid);
    assert.throws(() => links.verify('abc', 'file', null, null), invalid);
  });
});

describe('file names', () => {
  test('keeps only the base name of a path, of either slash', () => {
    assert.equal(sanitizeFileName('../../etc/passwd'), 'passwd');
    assert.equal(sanitizeFileName('C:\\Users\\x\\report.pdf'), 'report.pdf');
  });

  test('strips control and bidi characters and leading dots', () => {
    assert.equal(sanitizeFileName('a\u0000b\nc\u202Egnp.exe'), 'abcgnp.exe');
    assert.equal(sanitizeFileName('..hidden'), 'hidden');
    assert.equal(sanitizeFileName('../..'), 'file');
    assert.equal(sanitizeFileName(''), 'file');
  });

  test('bounds the length, keeping the extension', () => {
    const name = sanitizeFileName(`${'x'.repeat(500)}.png`);
    assert.equal([...name].length, MAX_FILE_NAME);
    assert.ok(name.endsWith('.png'));
  });
});
