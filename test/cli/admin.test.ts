/**
 * `switchboard admin grant|revoke|list` against the store of a running server: an account given
 * the admin role is a server admin from its next hello, a revoked one is not; guests and bad
 * handles are refused with their codes and exit status 1.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startServer, type ServerHandle } from '../helpers/server.js';
import { WsTestClient } from '../helpers/ws-client.js';

const MAIN = resolve(import.meta.dirname, '../../src/cli/main.ts');

async function admin(
  dataDir: string,
  ...args: string[]
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', MAIN, 'admin', ...args, '--data-dir', dataDir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** Runs `switchboard admin …` and asserts exit status 0, with its stderr as the message. */
async function succeeds(dataDir: string, ...args: string[]): Promise<string> {
  const r = await admin(dataDir, ...args);
  assert.equal(r.code, 0, `admin ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

describe('switchboard admin', () => {
  let server: ServerHandle;
  before(async () => {
    server = await startServer();
  });
  after(() => server.dispose());

  async function register(handle: string): Promise<string> {
    const res = await fetch(`${server.url}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ handle, password: 'correct horse battery' }),
    });
    assert.equal(res.status, 201);
    return ((await res.json()) as { token: string }).token;
  }

  /** What a server-wide audit read answers for this token: only server admins may. */
  async function serverAudit(token: string): Promise<string> {
    const c = await WsTestClient.connect(server.wsUrl);
    try {
      await c.hello({ token });
      const r = await c.request({ type: 'audit' });
      return r.type === 'reply' ? 'ok' : String(r.code);
    } finally {
      c.close();
    }
  }

  test('makes an account a server admin from its next hello, and takes it back', async () => {
    const token = await register('opal');
    assert.equal(await serverAudit(token), 'SB_ERR_FORBIDDEN');
    assert.match(await succeeds(server.dataDir, 'grant', 'Opal'), /opal is a server admin/);
    assert.equal(await serverAudit(token), 'ok');
    const listed = await admin(server.dataDir, 'list');
    assert.equal(listed.stdout.trim(), 'opal\tadmin');
    await succeeds(server.dataDir, 'revoke', 'opal');
    assert.equal(await serverAudit(token), 'SB_ERR_FORBIDDEN');
    assert.equal((await admin(server.dataDir, 'list')).stdout.trim(), '(no server roles)');
  });

  test('keeps a granted server admin from being kicked, banned or muted until revoked', async () => {
    const token = await register('pearl');
    const owner = await WsTestClient.connect(server.wsUrl);
    await owner.hello({ handle: 'roomkeeper' });
    await owner.call({ type: 'create', room: 'pearls' });
    await owner.call({ type: 'invite', room: 'pearls', user: 'pearl' });
    const act = async (frame: Record<string, unknown>) => {
      const r = await owner.request(frame);
      return r.type === 'reply' ? 'ok' : String(r.code);
    };
    await succeeds(server.dataDir, 'grant', 'pearl');
    const root = await WsTestClient.connect(server.wsUrl);
    await root.hello({ token });
    for (const type of ['kick', 'ban', 'mute'])
      assert.equal(await act({ type, room: 'pearls', user: 'pearl' }), 'SB_ERR_OUTRANKED', type);
    await succeeds(server.dataDir, 'revoke', 'pearl');
    assert.equal(await act({ type: 'mute', room: 'pearls', user: 'pearl' }), 'ok');
    assert.equal(await act({ type: 'kick', room: 'pearls', user: 'pearl' }), 'ok');
    owner.close();
    root.close();
  });

  test('refuses a guest handle and a bad one with their codes and status 1', async () => {
    const guest = await WsTestClient.connect(server.wsUrl);
    await guest.hello({ handle: 'drifter' });
    const g = await admin(server.dataDir, 'grant', 'drifter');
    assert.equal(g.code, 1);
    assert.match(g.stderr, /SB_ERR_USER_NOT_FOUND/);
    const bad = await admin(server.dataDir, 'grant', 'no such!');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /SB_ERR_HANDLE_INVALID/);
    guest.close();
  });
  test('api-key create prints a key once that works on the server; list shows it; revoke ends it', async () => {
    await register('quinn');
    const refused = await admin(
      server.dataDir,
      'api-key',
      'create',
      '--name',
      'x',
      '--scopes',
      'rooms:read',
      '--by',
      'quinn',
    );
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /SB_ERR_ADMIN_REQUIRED/);
    const badScope = await admin(
      server.dataDir,
      'api-key',
      'create',
      '--name',
      'x',
      '--scopes',
      'rooms:fly',
      '--by',
      'quinn',
    );
    assert.match(badScope.stderr, /SB_ERR_CONFIG_INVALID/);
    await succeeds(server.dataDir, 'grant', 'quinn');
    const made = await admin(
      server.dataDir,
      'api-key',
      'create',
      '--name',
      'backend',
      '--scopes',
      'rooms:read',
      '--by',
      'quinn',
    );
    assert.equal(made.code, 0, made.stderr);
    const [key, idLine] = made.stdout.split('\n');
    const id = /^id (\S+)/.exec(idLine ?? '')?.[1];
    assert.ok(id);
    const rooms = () =>
      fetch(`${server.url}/api/v1/rooms`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal((await rooms()).status, 200);
    const listed = await admin(server.dataDir, 'api-key', 'list');
    assert.match(listed.stdout, new RegExp(`^${id}\tbackend\trooms:read\tby quinn$`, 'm'));
    assert.doesNotMatch(listed.stdout, /sbk_/, 'the key is never listed');
    await succeeds(server.dataDir, 'api-key', 'revoke', id);
    assert.equal((await rooms()).status, 401);
    assert.match((await admin(server.dataDir, 'api-key', 'list')).stdout, /\trevoked$/m);
  });
});
