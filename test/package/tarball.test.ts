/**
 * The package the way a user gets it: `npm pack` the built package, install the tarball in a
 * scratch project in a temp dir, type-check a consumer against the shipped declarations, start a
 * server through the API with a plugged-in authenticator, talk to it with the SDK from
 * `switchboard/client` over a WebSocket, and stop it.
 *
 * It packs dist/ as built (`npm ci` and `npm run build` build it), without running `prepare`
 * again, so it does not rewrite files other tests may be reading. The scratch install skips
 * install scripts: better-sqlite3's native build takes minutes and the test uses the memory store.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CLIENT_BUNDLE_LIMIT, bundleForBrowser, CLIENT_SHARED_MODULES } from './browser-bundle.js';

const ROOT = resolve(import.meta.dirname, '../..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface PackResult {
  filename: string;
  files: Array<{ path: string }>;
}

/** Runs a command, returning stdout; on failure the error carries its stderr. */
function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_loglevel: 'error' },
    timeout: 240_000,
  });
}

/** A consumer as a user would write it; plain JavaScript, run by node in the scratch project. */
const CONSUMER = `
import { startSwitchboard, SwitchboardError } from 'switchboard';
import { SwitchboardClient } from 'switchboard/client';
import { WebSocket } from 'ws';

const auth = {
  async authenticate({ handle }) {
    return { user: 'guest-' + handle, token: 't', expiresAt: Date.now() + 60000 };
  },
  async exists(user) {
    return user.startsWith('guest-');
  },
};
const server = await startSwitchboard(
  { port: 0, host: '127.0.0.1', store: 'memory:', logLevel: 'silent', shutdownTimeout: 1000 },
  { auth },
);
const client = new SwitchboardClient({ url: server.wsUrl, handle: 'ann', WebSocket });
const hello = await client.connect();
const sent = await client.sendToRoom('general', 'hello from the tarball');
const closed = new Promise((res) => client.on('closed', (e) => res(e.code)));
await server.stop();
const closeCode = await closed;
client.close();
let code = null;
await startSwitchboard({ rateLimit: 0 }).catch((err) => {
  code = err instanceof SwitchboardError ? err.code : String(err);
});
console.log(JSON.stringify({ port: server.port, user: hello.user, seq: sent.seq, closeCode, code }));
`;

/** The same in TypeScript, type-checked only: the declarations resolve and are not `any`. */
const TYPED_CONSUMER = `
import { startSwitchboard, type Authenticator, type SwitchboardOptions } from 'switchboard';
import { SwitchboardClient, type ChatMessage } from 'switchboard/client';
import { ban, roomMembers } from 'switchboard/client/moderation';
import { react, withReaction } from 'switchboard/client/messages';
import { highlightPieces, search, type SearchHit } from 'switchboard/client/search';

const options: SwitchboardOptions = { port: 0, store: 'memory:', rateLimit: 5, logFormat: 'json' };
// @ts-expect-error not a setting
const misspelt: SwitchboardOptions = { rateLimt: 5 };
// @ts-expect-error a number, not text
const mistyped: SwitchboardOptions = { port: '8080' };
// @ts-expect-error workers is a command-line setting, not an option of one server
const process: SwitchboardOptions = { workers: 2 };
const auth: Authenticator = {
  authenticate: async () => ({ user: 'u', token: 't', expiresAt: 0 }),
  exists: async () => true,
};
const server = await startSwitchboard(options, { auth });
const port: number = server.port;
const client = new SwitchboardClient({ url: server.wsUrl, handle: 'ann' });
const message: ChatMessage = await client.sendToRoom('general', 'hi');
// @ts-expect-error seq is a number
const seq: string = message.seq;
const role: 'owner' | 'admin' | 'moderator' | 'member' = (await roomMembers(client, 'general'))
  .members[0]!.role;
// @ts-expect-error a duration is seconds, not text
await ban(client, 'general', 'bob', { duration: '1h' });
client.on('delete', (d) => d.seq.toFixed());
client.on('reaction', (r) => withReaction(message, r, client.user).reactions?.[0]?.count.toFixed());
// @ts-expect-error on is a boolean
await react(client, message.channel, message.seq, '👍', 'yes');
const found: SearchHit[] = (await search(client, 'hi', { limit: 5 })).hits;
const marked: boolean | undefined = found[0] && highlightPieces(found[0])[0]?.marked;
// @ts-expect-error limit is a number
await search(client, 'hi', { limit: '5' });
export { misspelt, mistyped, process, port, seq, role, marked };
`;

describe('the packed package', () => {
  let dir = '';
  let app = '';
  let pack: PackResult;

  before(() => {
    assert.ok(
      existsSync(join(ROOT, 'dist/index.js')),
      'dist/index.js is missing: run `npm run build` (npm ci does) first',
    );
    dir = mkdtempSync(join(tmpdir(), 'sb-pack-'));
    const out = run(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT);
    pack = (JSON.parse(out) as PackResult[])[0]!;
    app = join(dir, 'app');
    mkdirSync(app);
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'scratch', private: true, type: 'module' }),
    );
    run(
      NPM,
      [
        'install',
        '--prefer-offline',
        '--ignore-scripts',
        '--no-audit',
        '--no-fund',
        join(dir, pack.filename),
      ],
      app,
    );
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('holds every file that main, types, bin and exports name', () => {
    const files = new Set(pack.files.map((f) => f.path));
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      main: string;
      types: string;
      bin: Record<string, string>;
      exports: Record<string, string | Record<string, string>>;
    };
    const named = [
      pkg.main,
      pkg.types,
      ...Object.values(pkg.bin),
      ...Object.values(pkg.exports).flatMap((e) =>
        typeof e === 'string' ? [e] : Object.values(e),
      ),
    ];
    for (const path of named) {
      assert.ok(files.has(path.replace(/^\.\//, '')), `${path} is not in the tarball`);
    }
  });

  test('ships LICENSE, CHANGELOG.md and SECURITY.md but no .tsbuildinfo and no test', () => {
    const files = pack.files.map((f) => f.path);
    for (const name of ['LICENSE', 'CHANGELOG.md', 'SECURITY.md', 'README.md']) {
      assert.ok(files.includes(name), `${name} is not in the tarball`);
    }
    assert.deepEqual(
      files.filter(
        (f) => f.endsWith('.tsbuildinfo') || f.startsWith('test/') || f.startsWith('src/'),
      ),
      [],
    );
  });

  test('ships every source map with its sources: inlined or in the tarball', () => {
    const installed = join(app, 'node_modules/switchboard');
    const files = new Set(pack.files.map((f) => f.path));
    const maps = pack.files.map((f) => f.path).filter((f) => f.endsWith('.map'));
    assert.ok(maps.length > 0, 'the build writes source maps');
    for (const map of maps) {
      const { sources, sourcesContent = [] } = JSON.parse(
        readFileSync(join(installed, map), 'utf8'),
      ) as { sources: string[]; sourcesContent?: Array<string | null> };
      sources.forEach((source, i) => {
        const shipped = files.has(posix.join(posix.dirname(map), source));
        assert.ok(typeof sourcesContent[i] === 'string' || shipped, `${map}: ${source} dangles`);
      });
    }
  });

  test('type-checks a TypeScript consumer against the shipped declarations', () => {
    writeFileSync(join(app, 'consumer.ts'), TYPED_CONSUMER);
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          lib: ['ES2022', 'DOM'],
          typeRoots: [join(ROOT, 'node_modules/@types')],
          types: ['node'],
        },
        files: ['consumer.ts'],
      }),
    );
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    try {
      run(process.execPath, [tsc, '-p', app], app);
    } catch (err) {
      assert.fail(`tsc failed:\n${String((err as { stdout?: string }).stdout ?? err)}`);
    }
  });

  test('starts a server through the API, serves the SDK over a WebSocket and stops', () => {
    writeFileSync(join(app, 'consumer.mjs'), CONSUMER);
    const result = JSON.parse(run(process.execPath, ['consumer.mjs'], app)) as {
      port: number;
      user: string;
      seq: number;
      closeCode: number;
      code: string;
    };
    assert.ok(result.port > 0);
    assert.equal(result.user, 'guest-ann', 'the plugged-in authenticator named the user');
    assert.equal(result.seq, 1);
    assert.equal(result.closeCode, 4000, 'stop() tells clients to reconnect');
    assert.equal(result.code, 'SB_ERR_CONFIG_INVALID');
  });

  test('bundles switchboard/client for the browser without the server or node: modules', async () => {
    writeFileSync(join(app, 'client-entry.js'), "export * from 'switchboard/client';\n");
    const bundle = await bundleForBrowser('client-entry.js', app);
    const dist = 'node_modules/switchboard/dist/';
    const allowed = CLIENT_SHARED_MODULES.map((m) => `${m}.js`);
    const foreign = bundle.inputs.filter(
      (f) =>
        f !== 'client-entry.js' &&
        !f.startsWith(`${dist}client/`) &&
        !allowed.some((name) => f === `${dist}${name}`),
    );
    assert.deepEqual(foreign, [], 'no server module, no dependency');
    assert.deepEqual(bundle.external, [], 'no node: module, nothing left unresolved');
    assert.ok(bundle.bytes < CLIENT_BUNDLE_LIMIT, `${bundle.bytes} bytes minified`);
  });
});
