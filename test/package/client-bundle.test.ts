/**
 * The client SDK bundles for the browser without the server: esbuild's metafile shows only
 * src/client and the zod-free shared modules it may import (CLIENT_SHARED_MODULES): no server
 * module, no `node:`
 * module, no dependency. test/package/tarball.test.ts checks the same of `switchboard/client` as
 * installed from the packed tarball.
 */
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, test } from 'node:test';
import { CLIENT_BUNDLE_LIMIT, CLIENT_SHARED_MODULES, bundleForBrowser } from './browser-bundle.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SHARED = CLIENT_SHARED_MODULES.map((m) => `src/${m}.ts`);

describe('the client SDK bundled for the browser', () => {
  test('holds only src/client and the shared zod-free modules, and stays small', async () => {
    const bundle = await bundleForBrowser('src/client/index.ts', ROOT);
    const foreign = bundle.inputs.filter(
      (f) => !f.startsWith('src/client/') && !SHARED.includes(f),
    );
    assert.deepEqual(foreign, [], 'no server module, no dependency');
    assert.deepEqual(bundle.external, [], 'no node: module, nothing left unresolved');
    assert.ok(
      bundle.bytes < CLIENT_BUNDLE_LIMIT,
      `${bundle.bytes} bytes minified (${bundle.gzipBytes} gzipped)`,
    );
  });
});
