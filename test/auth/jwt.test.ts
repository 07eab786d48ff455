import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { JwtAuthenticator } from '../../src/auth/jwt.js';
import { SignJWT } from 'jose';
import { SwitchboardError } from '../../src/errors.js';
import {
  FAMILIES,
  JwksServer,
  SECRET,
  keyPair,
  sign,
  unsigned,
  type KeyPair,
} from '../helpers/jwt.js';

const nowS = (): number => Math.floor(Date.now() / 1000);

/** An authenticator that trusts `key` (the secret for HS256). */
function trusting(key: KeyPair | 'secret', extra: object = {}): JwtAuthenticator {
  return new JwtAuthenticator(
    key === 'secret' ? { secret: SECRET, ...extra } : { publicKeyPem: key.publicPem, ...extra },
  );
}

async function refusedWith(auth: JwtAuthenticator, jwt: string, code: string): Promise<void> {
  await assert.rejects(auth.authenticate({ jwt }), (err: unknown) => {
    assert.ok(err instanceof SwitchboardError, String(err));
    assert.equal(err.code, code);
    return true;
  });
}

describe('JwtAuthenticator', () => {
  const pairs = new Map<string, KeyPair>();
  before(async () => {
    for (const alg of FAMILIES) if (alg !== 'HS256') pairs.set(alg, await keyPair(alg));
  });
  const keyOf = (alg: string): KeyPair | 'secret' => (alg === 'HS256' ? 'secret' : pairs.get(alg)!);

  for (const alg of FAMILIES) {
    it(`accepts a ${alg} token: sub is the user, exp the expiry, the connection ends at it`, async () => {
      const key = keyOf(alg);
      const exp = nowS() + 120;
      const id = await trusting(key).authenticate({ jwt: await sign(key, { exp }) });
      assert.equal(id.user, 'ann');
      assert.equal(id.token, '');
      assert.equal(id.expiresAt, exp * 1000);
      assert.equal(id.endsAtExpiry, true);
    });
  }

  it('takes the display name from `name` and the roles from the configured claim', async () => {
    const auth = trusting('secret', { rolesClaim: 'https://example.com/roles' });
    const jwt = await sign('secret', {
      name: 'Ann Émile',
      'https://example.com/roles': ['admin', 'mod'],
      roles: ['ignored'],
    });
    const id = await auth.authenticate({ jwt });
    assert.equal(id.name, 'Ann Émile');
    assert.deepEqual(id.roles, ['admin', 'mod']);
  });

  it('refuses alg none with SB_ERR_JWT_INVALID', async () => {
    await refusedWith(trusting('secret'), unsigned(), 'SB_ERR_JWT_INVALID');
    await refusedWith(trusting(pairs.get('RS256')!), unsigned(), 'SB_ERR_JWT_INVALID');
  });

  it('refuses a token signed by another key with SB_ERR_JWT_INVALID', async () => {
    const other = await keyPair('RS256');
    await refusedWith(trusting(pairs.get('RS256')!), await sign(other), 'SB_ERR_JWT_INVALID');
    const wrongSecret = new TextEncoder().encode('another-secret-of-at-least-32-bytes!');
    await refusedWith(trusting('secret'), await sign(wrongSecret), 'SB_ERR_JWT_INVALID');
  });

  it('refuses an HS256 token whose secret is the RSA public key (algorithm confusion)', async () => {
    const rsa = pairs.get('RS256')!;
    const forged = await sign(new TextEncoder().encode(rsa.publicPem));
    await refusedWith(trusting(rsa), forged, 'SB_ERR_JWT_INVALID');
    // Also when HS is on with its own secret: the public key never verifies an HMAC.
    const both = new JwtAuthenticator({ secret: SECRET, publicKeyPem: rsa.publicPem });
    await refusedWith(both, forged, 'SB_ERR_JWT_INVALID');
  });

  it('refuses a token carrying its own key in the header (embedded jwk)', async () => {
    const rsa = pairs.get('RS256')!;
    const attacker = await keyPair('RS256');
    const jwt = await new SignJWT({ sub: 'ann', exp: nowS() + 60 })
      .setProtectedHeader({ alg: 'RS256', jwk: attacker.publicJwk })
      .sign(attacker.privateKey);
    await refusedWith(trusting(rsa), jwt, 'SB_ERR_JWT_INVALID');
  });

  it('refuses a token expired beyond the clock skew with SB_ERR_JWT_EXPIRED', async () => {
    const auth = trusting('secret', { clockSkewMs: 30_000 });
    await refusedWith(auth, await sign('secret', { exp: nowS() - 60 }), 'SB_ERR_JWT_EXPIRED');
    // Within the skew it still passes.
    assert.equal(
      (await auth.authenticate({ jwt: await sign('secret', { exp: nowS() - 5 }) })).user,
      'ann',
    );
  });

  it('refuses a token not valid before a time beyond the skew with SB_ERR_JWT_NOT_YET_VALID', async () => {
    const auth = trusting('secret', { clockSkewMs: 30_000 });
    await refusedWith(
      auth,
      await sign('secret', { nbf: nowS() + 120 }),
      'SB_ERR_JWT_NOT_YET_VALID',
    );
    assert.equal(
      (await auth.authenticate({ jwt: await sign('secret', { nbf: nowS() + 5 }) })).user,
      'ann',
    );
  });

  it('refuses a wrong or missing iss or aud with SB_ERR_JWT_INVALID', async () => {
    const auth = trusting('secret', { issuer: 'https://idp.example', audience: 'switchboard' });
    const good = { iss: 'https://idp.example', aud: 'switchboard' };
    assert.equal((await auth.authenticate({ jwt: await sign('secret', good) })).user, 'ann');
    for (const claims of [
      { ...good, iss: 'https://evil.example' },
      { ...good, aud: 'another-app' },
      { aud: 'switchboard' },
      { iss: 'https://idp.example' },
    ])
      await refusedWith(auth, await sign('secret', claims), 'SB_ERR_JWT_INVALID');
  });

  it('refuses a token without exp or sub, or whose sub is not a valid user id', async () => {
    const auth = trusting('secret');
    await refusedWith(auth, await sign('secret', { exp: undefined }), 'SB_ERR_JWT_INVALID');
    await refusedWith(auth, await sign('secret', { sub: undefined }), 'SB_ERR_JWT_INVALID');
    for (const sub of ['Ann', 'auth0|123', 'x'.repeat(33), ''])
      await refusedWith(auth, await sign('secret', { sub }), 'SB_ERR_JWT_INVALID');
  });

  it('refuses garbage with SB_ERR_JWT_INVALID', async () => {
    const auth = trusting('secret');
    for (const jwt of ['', 'garbage', 'a.b.c', '...', 'eyJhbGciOiJIUzI1NiJ9.%%%.x', '\u0000'])
      await refusedWith(auth, jwt, 'SB_ERR_JWT_INVALID');
  });

  it('refuses algorithms outside the allow-list, and an allow-list the keys cannot meet', async () => {
    const es = pairs.get('ES256')!;
    const auth = trusting(es, { algorithms: ['RS256', 'ES384'] });
    await refusedWith(auth, await sign(es), 'SB_ERR_JWT_INVALID');
    assert.throws(() => trusting('secret', { algorithms: ['RS256'] }), {
      code: 'SB_ERR_CONFIG_INVALID',
    });
    assert.throws(() => trusting('secret', { algorithms: ['none'] }), {
      code: 'SB_ERR_CONFIG_INVALID',
    });
  });
});

describe('JwtAuthenticator with a JWKS URL', () => {
  const jwks = new JwksServer();
  let url = '';
  before(async () => {
    url = await jwks.start();
  });
  after(() => jwks.close());

  it('fetches the key set once and picks the key by kid', async () => {
    const a = await keyPair('RS256', 'a');
    const b = await keyPair('ES256', 'b');
    jwks.keys = [a.publicJwk, b.publicJwk];
    jwks.requests = 0;
    const auth = new JwtAuthenticator({ jwksUrl: url });
    for (let i = 0; i < 5; i++) {
      assert.equal((await auth.authenticate({ jwt: await sign(a) })).user, 'ann');
      assert.equal((await auth.authenticate({ jwt: await sign(b, { sub: 'bob' }) })).user, 'bob');
    }
    assert.equal(jwks.requests, 1);
  });

  it('refetches once when a rotated key brings an unknown kid', async () => {
    const old = await keyPair('RS256', 'old');
    jwks.keys = [old.publicJwk];
    jwks.requests = 0;
    const auth = new JwtAuthenticator({ jwksUrl: url, jwksCooldownMs: 200 });
    await auth.authenticate({ jwt: await sign(old) });
    assert.equal(jwks.requests, 1);
    await new Promise((r) => setTimeout(r, 250));
    const rotated = await keyPair('PS256', 'new');
    jwks.keys = [old.publicJwk, rotated.publicJwk];
    const jwt = await sign(rotated);
    assert.equal((await auth.authenticate({ jwt })).user, 'ann');
    assert.equal((await auth.authenticate({ jwt })).user, 'ann');
    assert.equal(jwks.requests, 2);
  });

  it('rate-limits refetches: a flood of unknown kids costs no more than one request', async () => {
    const known = await keyPair('ES256', 'known');
    jwks.keys = [known.publicJwk];
    jwks.requests = 0;
    const auth = new JwtAuthenticator({ jwksUrl: url, jwksCooldownMs: 30_000 });
    await auth.authenticate({ jwt: await sign(known) });
    const stranger = await keyPair('ES256', 'x');
    const flood = await Promise.all(
      Array.from({ length: 50 }, (_, i) => sign({ ...stranger, kid: `unknown-${i}` })),
    );
    for (const jwt of flood) await refusedWith(auth, jwt, 'SB_ERR_JWT_INVALID');
    assert.equal(jwks.requests, 1);
    // The known key still works meanwhile.
    assert.equal((await auth.authenticate({ jwt: await sign(known) })).user, 'ann');
  });

  it('refuses an HS256 token made with a JWKS key as the secret (algorithm confusion)', async () => {
    const rsa = await keyPair('RS256', 'conf');
    jwks.keys = [rsa.publicJwk];
    const auth = new JwtAuthenticator({ jwksUrl: url });
    const forged = await sign(new TextEncoder().encode(JSON.stringify(rsa.publicJwk)));
    await refusedWith(auth, forged, 'SB_ERR_JWT_INVALID');
    await refusedWith(
      auth,
      await sign(new TextEncoder().encode(rsa.publicPem)),
      'SB_ERR_JWT_INVALID',
    );
  });

  it('answers SB_ERR_AUTH_UNAVAILABLE, retryable, when the key set cannot be fetched', async () => {
    const auth = new JwtAuthenticator({
      jwksUrl: 'http://127.0.0.1:9/jwks.json',
      jwksTimeoutMs: 500,
    });
    await assert.rejects(auth.authenticate({ jwt: await sign(await keyPair('RS256')) }), {
      code: 'SB_ERR_AUTH_UNAVAILABLE',
      retryable: true,
    });
  });
});
