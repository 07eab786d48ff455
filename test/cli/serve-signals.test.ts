/**
 * Whoever reads "listening" may stop the server at once: by then SIGTERM must already drain it
 * (exit 0) rather than kill it. A preloaded guard (fixtures/announce-guard.mjs) reports whether
 * SIGTERM had a handler at the moment the line was written, which a timing race cannot show.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';

const MAIN = resolve(import.meta.dirname, '../../src/cli/main.ts');
const GUARD = resolve(import.meta.dirname, 'fixtures/announce-guard.mjs');

test('serve handles SIGTERM before it announces listening, and drains on it', async () => {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--import',
      GUARD,
      MAIN,
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
    ].concat(['--store', 'memory:', '--log-format', 'json']),
    { env: { ...process.env, PORT: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line.includes('"listening"')) child.kill('SIGTERM');
  });
  const code = await exited;
  clearTimeout(timer);
  assert.match(stderr, /announce-guard: SIGTERM handled: true/, stderr);
  assert.equal(code, 0, 'drained, not killed');
});
