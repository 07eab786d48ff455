/**
 * `hello {jwt}` and `refresh` over real WebSockets against a server process started with JWT
 * keys: every bad token gets its code and leaves the connection usable; a good one gets a user
 * without a session token; expiry warns, refresh swaps, no refresh closes 4004.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MAX_JWT_LENGTH } from '../../src/protocol/frames.js';
import { SECRET, keyPair, sign, unsigned, type KeyPair } from '../helpers/jwt.js';
import { startServer, type ServerHandle } from '../helpers/server.js';
import { WsTestClient } from '../helpers/ws-client.js';

const ISS = 'https://idp.test';
const AUD = 'switchboard-test';
const nowS = (): number => Math.floor(Date.now() / 1000);
const good = { iss: ISS, aud: AUD };

describe('a server with JWT keys', () => {
  let server: ServerHandle;
  let rsa: KeyPair;
  const dir = mkdtempSync(join(tmpdir(), 'sb-jwt-'));
  before(async () => {
    rsa = await keyPair('RS256');
    const pem = join(dir, 'idp.pem');
    writeFileSync(pem, rsa.publicPem);
    server = await startServer({
      args: [
        ...['--jwt-secret', SECRET, '--jwt-public-key', pem],
        ...['--jwt-issuer', ISS, '--jwt-audience', AUD, '--jwt-roles-claim', 'groups'],
        // A liveness tick of 50 ms, so expiry is seen at once.
        ...['--ping-interval', '200', '--ping-timeout', '5000'],
        ...['--rate-limit', '1000', '--rate-burst', '1000'],
      ],
    });
  });
  after(async () => {
    await server.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const connect = () => WsTestClient.connect(server.wsUrl);

  it('answers each bad JWT with its code and keeps the connection usable and unauthenticated', async () => {
    const c = await connect();
    const forged = await sign(new TextEncoder().encode(rsa.publicPem), good);
    const stranger = await keyPair('RS256');
    const cases: [string, string, string][] = [
      ['alg none', unsigned(good), 'SB_ERR_JWT_INVALID'],
      ['wrong key', await sign(stranger, good), 'SB_ERR_JWT_INVALID'],
      ['HS256 over the RSA public key', forged, 'SB_ERR_JWT_INVALID'],
      ['expired', await sign(rsa, { ...good, exp: nowS() - 3600 }), 'SB_ERR_JWT_EXPIRED'],
      [
        'not yet valid',
        await sign(rsa, { ...good, nbf: nowS() + 3600 }),
        'SB_ERR_JWT_NOT_YET_VALID',
      ],
      ['wrong iss', await sign(rsa, { ...good, iss: 'https://evil.test' }), 'SB_ERR_JWT_INVALID'],
      ['wrong aud', await sign('secret', { ...good, aud: 'other' }), 'SB_ERR_JWT_INVALID'],
      ['garbage', 'eyJ.garbage.!!', 'SB_ERR_JWT_INVALID'],
      ['oversized', 'a'.repeat(MAX_JWT_LENGTH + 1), 'SB_ERR_BAD_FRAME'],
      ['empty', '', 'SB_ERR_BAD_FRAME'],
      ['not a string', 42 as unknown as string, 'SB_ERR_BAD_FRAME'],
    ];
    for (const [what, jwt, code] of cases) {
      const r = await c.request({ type: 'hello', protocol: 1, jwt });
      assert.equal(r.type, 'error', what);
      assert.equal(r.code, code, what);
      assert.ok(!String(r.message).includes('BEGIN PUBLIC KEY'), what);
      const rooms = await c.request({ type: 'rooms' });
      assert.equal(rooms.code, 'SB_ERR_NOT_AUTHENTICATED', what);
    }
    const hello = await c.hello({
      jwt: await sign(rsa, { ...good, sub: 'wire-ann', name: 'Ann Écrivain' }),
    });
    assert.equal(hello.user, 'wire-ann');
    assert.equal(hello.name, 'Ann Écrivain', 'the hello reply carries the display name');
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    c.close();
  });

  it('answers hundreds of mangled JWTs with JWT codes, never an internal error, and stays up', async () => {
    const c = await connect();
    const base = await sign(rsa, { ...good, sub: 'wire-fuzz' });
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ %\u00e9';
    const codes = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const chars = [...base];
      for (let k = 0; k <= rand(4); k++)
        chars[rand(chars.length)] = alphabet[rand(alphabet.length)]!;
      const mangled = rand(5) === 0 ? chars.slice(0, rand(chars.length)).join('') : chars.join('');
      const r = await c.request({ type: 'hello', protocol: 1, jwt: mangled });
      if (r.type === 'reply') {
        // A flip in a base64url padding bit can leave the token intact: that hello may pass.
        assert.equal(r.data && (r.data as { user: string }).user, 'wire-fuzz');
        c.close();
        return;
      }
      codes.add(String(r.code));
    }
    for (const code of codes)
      assert.ok(
        [
          'SB_ERR_JWT_INVALID',
          'SB_ERR_JWT_EXPIRED',
          'SB_ERR_JWT_NOT_YET_VALID',
          'SB_ERR_BAD_FRAME',
        ].includes(code),
        code,
      );
    assert.ok(codes.has('SB_ERR_JWT_INVALID'));
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    c.close();
  });

  it('makes sub the user with no session token, exp the expiry, and joins a newcomer to general', async () => {
    const c = await connect();
    const exp = nowS() + 600;
    const hello = await c.hello({ jwt: await sign('secret', { ...good, sub: 'wire-bob', exp }) });
    assert.equal(hello.user, 'wire-bob');
    assert.equal('token' in hello, false);
    assert.equal(hello.expiresAt, exp * 1000);
    const channels = hello.channels as { channel: string }[];
    assert.deepEqual(
      channels.map((ch) => ch.channel),
      ['room:general'],
    );
    c.close();
  });

  it('lets guests keep claiming handles, and DM a JWT user who has said hello', async () => {
    const jwtUser = await connect();
    await jwtUser.hello({ jwt: await sign(rsa, { ...good, sub: 'wire-dee' }) });
    const guest = await connect();
    const hello = await guest.hello({ handle: 'wire-guest' });
    assert.equal(typeof hello.token, 'string');
    const sent = await guest.request({ type: 'send', to: 'wire-dee', text: 'hi', cid: 'd1' });
    assert.equal(sent.type, 'reply');
    await jwtUser.waitFor((f) => f.type === 'message' && f.text === 'hi');
    jwtUser.close();
    await jwtUser.waitClosed();
    // Offline now, the JWT user's name is still not a guest's to claim.
    const squatter = await connect();
    const r = await squatter.request({ type: 'hello', protocol: 1, handle: 'wire-dee' });
    assert.equal(r.code, 'SB_ERR_HANDLE_TAKEN');
    squatter.close();
    guest.close();
  });

  it('warns with expiring, and a refresh keeps the connection and its channels past the old exp', async () => {
    const c = await connect();
    const exp = nowS() + 3;
    await c.hello({ jwt: await sign(rsa, { ...good, sub: 'wire-eve', exp }) });
    const warned = await c.waitFor((f) => f.type === 'expiring', 4000);
    assert.equal(warned.expiresAt, exp * 1000);
    const fresh = await sign(rsa, { ...good, sub: 'wire-eve', exp: nowS() + 600 });
    const reply = await c.call<{ expiresAt: number }>({ type: 'refresh', jwt: fresh });
    assert.ok(reply.expiresAt > exp * 1000);
    // Past the old expiry the connection is still open and still receives general.
    await new Promise((r) => setTimeout(r, Math.max(0, exp * 1000 - Date.now()) + 400));
    const other = await connect();
    await other.hello({ handle: 'wire-talker' });
    await other.call({ type: 'send', room: 'general', text: 'still there?', cid: 'e1' });
    await c.waitFor((f) => f.type === 'message' && f.text === 'still there?');
    assert.equal(c.closeCode, null);
    c.close();
    other.close();
  });

  it('refuses a refresh naming another user with SB_ERR_JWT_USER_MISMATCH and keeps the connection', async () => {
    const c = await connect();
    await c.hello({ jwt: await sign('secret', { ...good, sub: 'wire-fay' }) });
    const r = await c.request({
      type: 'refresh',
      jwt: await sign('secret', { ...good, sub: 'wire-gus' }),
    });
    assert.equal(r.code, 'SB_ERR_JWT_USER_MISMATCH');
    const bad = await c.request({ type: 'refresh', jwt: unsigned({ ...good, sub: 'wire-fay' }) });
    assert.equal(bad.code, 'SB_ERR_JWT_INVALID');
    assert.equal((await c.request({ type: 'rooms' })).type, 'reply');
    c.close();
  });

  it('refuses refresh before hello with SB_ERR_NOT_AUTHENTICATED', async () => {
    const c = await connect();
    const r = await c.request({ type: 'refresh', jwt: await sign('secret', good) });
    assert.equal(r.code, 'SB_ERR_NOT_AUTHENTICATED');
    c.close();
  });

  it('keeps a JWT server admin out of a room owner’s reach after they leave, until a token without the role', async () => {
    const owner = await connect();
    await owner.hello({ jwt: await sign('secret', { ...good, sub: 'wire-own' }) });
    const room = 'wire-ranks';
    assert.equal((await owner.request({ type: 'create', room })).type, 'reply');
    const root = await connect();
    await root.hello({
      jwt: await sign('secret', { ...good, sub: 'wire-root', groups: ['admin'] }),
    });
    assert.equal((await root.request({ type: 'join', room })).type, 'reply');
    root.close();
    await root.waitClosed(2000);
    const act = async (f: Record<string, unknown>) => {
      const r = await owner.request({ room, user: 'wire-root', ...f });
      return r.type === 'error' ? r.code : 'ok';
    };
    // Not connected anywhere: the roles come from the store, where the hello left them.
    for (const f of [{ type: 'kick' }, { type: 'ban', duration: 60 }, { type: 'mute' }])
      assert.equal(await act(f), 'SB_ERR_OUTRANKED', String(f.type));
    // The identity provider took the role away: the next hello says so, and it is kept too.
    const demoted = await connect();
    await demoted.hello({ jwt: await sign('secret', { ...good, sub: 'wire-root' }) });
    demoted.close();
    await demoted.waitClosed(2000);
    assert.equal(await act({ type: 'kick' }), 'ok');
    owner.close();
  });

  it('closes a connection whose JWT expires unrefreshed with 4004', async () => {
    const c = await connect();
    await c.hello({ jwt: await sign('secret', { ...good, sub: 'wire-hal', exp: nowS() + 2 }) });
    await c.waitFor((f) => f.type === 'expiring', 3000);
    assert.equal(await c.waitClosed(4000), 4004);
  });
});
