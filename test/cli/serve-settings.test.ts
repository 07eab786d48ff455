/**
 * `switchboard serve` as a process: settings from a --config file, env vars and flags reach the
 * server in that precedence, and a bad value from any source stops start-up with a coded error
 * naming the source, exit status 1 and no stack trace.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { startServer } from '../helpers/server.js';
import { WsTestClient } from '../helpers/ws-client.js';

const MAIN = resolve(import.meta.dirname, '../../src/cli/main.ts');
const dir = mkdtempSync(join(tmpdir(), 'sb-cli-settings-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function configFile(name: string, settings: object): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(settings));
  return path;
}

/** Runs `switchboard <command> …` (serve by default) expecting it to refuse to start; resolves its status and stderr. */
async function refusal(
  args: string[],
  env: Record<string, string> = {},
  command = 'serve',
): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, command, ...args], {
    env: { ...process.env, PORT: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  // Generous: the machine may be busy; a kill here shows as a null exit status.
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  clearTimeout(timer);
  return { code, stderr };
}

describe('serve --config', () => {
  test('applies the file, below env vars and flags', async () => {
    const path = configFile('ok.json', { rateLimit: 3, rateBurst: 7, web: false, floodLimit: 5 });
    const server = await startServer({
      args: ['--config', path, '--flood-limit', '9'],
      env: { SWITCHBOARD_RATE_BURST: '8' },
    });
    try {
      const client = await WsTestClient.connect(server.wsUrl);
      const hello = await client.hello({ handle: 'cfg' });
      client.close();
      assert.equal(hello.rateLimit, 3, 'rateLimit from the file');
      assert.equal(hello.rateBurst, 8, 'rateBurst from the env var, over the file');
      assert.equal((await fetch(`${server.url}/`)).status, 404, 'web: false from the file');
    } finally {
      await server.dispose();
    }
  });
});

describe('a bad setting', () => {
  const cases: Array<[string, string[], Record<string, string>, string]> = [
    ['a flag', ['--rate-limit', '0'], {}, '--rate-limit: '],
    ['an env var', [], { SWITCHBOARD_RATE_LIMIT: 'fast' }, 'SWITCHBOARD_RATE_LIMIT: '],
    ['a config file key', ['--config', 'BAD_FILE'], {}, 'BAD_FILE: rateLimit: '],
    ['an unknown config file key', ['--config', 'UNKNOWN_FILE'], {}, 'UNKNOWN_FILE: rateLimt: '],
  ];
  const bad = configFile('bad.json', { rateLimit: 0 });
  const unknown = configFile('unknown.json', { rateLimt: 5 });
  const files = (s: string) => s.replace('BAD_FILE', bad).replace('UNKNOWN_FILE', unknown);

  for (const [source, args, env, named] of cases) {
    test(`from ${source} stops start-up with SB_ERR_CONFIG_INVALID naming it, no stack trace`, async () => {
      const { code, stderr } = await refusal(args.map(files), env);
      assert.equal(code, 1);
      assert.match(stderr, /^switchboard: SB_ERR_CONFIG_INVALID: /);
      assert.ok(stderr.includes(files(named)), stderr);
      assert.doesNotMatch(stderr, /^\s+at /m, 'no stack trace');
    });
  }
});

describe('several processes with a store of one process', () => {
  // Each worker is a process of its own: a memory store or blob store would split the cluster.
  for (const [flag, value] of [
    ['--store', 'memory:'],
    ['--store', 'sqlite::memory:'],
    ['--blobs', 'memory:'],
  ] as const) {
    test(`refuses ${flag} ${value} with SB_ERR_CONFIG_INVALID before any worker starts`, async () => {
      const { code, stderr } = await refusal(['--workers', '2', '--port', '0', flag, value]);
      assert.equal(code, 1);
      assert.match(stderr, /^switchboard: SB_ERR_CONFIG_INVALID: /);
      assert.ok(stderr.includes(`--workers cannot be combined with ${flag} ${value} (`), stderr);
      assert.doesNotMatch(stderr, /^\s+at /m, 'no stack trace');
    });
  }
});

test('cluster --nodes 2 --store memory: is refused before any node starts', async () => {
  const { code, stderr } = await refusal(
    ['--nodes', '2', '--port', '0', '--store', 'memory:'],
    {},
    'cluster',
  );
  assert.equal(code, 1);
  assert.match(stderr, /^switchboard: SB_ERR_CONFIG_INVALID: /);
  assert.ok(stderr.includes('--store memory: cannot be shared by the nodes of a cluster'), stderr);
});
