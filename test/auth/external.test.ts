/**
 * externalAuthenticator: what the settings turn on, and the start-up errors of a bad setting.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { AuthChain } from '../../src/auth/chain.js';
import { externalAuthenticator, type ExternalAuthSettings } from '../../src/auth/external.js';
import { HandleAuthenticator } from '../../src/auth/handle.js';
import { parseConfig } from '../../src/config.js';
import { MemoryStore } from '../../src/store/memory.js';
import { JwksServer, SECRET, keyPair, sign } from '../helpers/jwt.js';

const defaults = (over: Partial<ExternalAuthSettings> = {}): ExternalAuthSettings => ({
  ...parseConfig({}),
  ...over,
});
const base = () => new HandleAuthenticator({ sessions: new MemoryStore(), ttlMs: 60_000 });

describe('externalAuthenticator', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-ext-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('returns the base authenticator itself when no JWT key and no webhook is configured', () => {
    const b = base();
    assert.equal(externalAuthenticator(defaults(), b), b);
  });

  it('turns JWT hellos on alongside guest handles when a secret is given', async () => {
    const auth = externalAuthenticator(defaults({ jwtSecret: SECRET }), base());
    assert.ok(auth instanceof AuthChain);
    assert.equal(
      (await auth.authenticate({ jwt: await sign('secret', { sub: 'ext-a' }) })).user,
      'ext-a',
    );
    assert.equal((await auth.authenticate({ handle: 'ext-guest' })).user, 'ext-guest');
  });

  it('reads the public key file, and the roles claim, issuer and audience settings', async () => {
    const es = await keyPair('ES256');
    const file = join(dir, 'es.pem');
    writeFileSync(file, es.publicPem);
    const auth = externalAuthenticator(
      defaults({ jwtPublicKey: file, jwtIssuer: 'idp', jwtAudience: 'sb', jwtRolesClaim: 'grp' }),
      base(),
    );
    const id = await auth.authenticate({
      jwt: await sign(es, { iss: 'idp', aud: 'sb', grp: ['mod'] }),
    });
    assert.deepEqual(id.roles, ['mod']);
    await assert.rejects(auth.authenticate({ jwt: await sign(es, { iss: 'idp' }) }), {
      code: 'SB_ERR_JWT_INVALID',
    });
  });

  it('verifies with the key set at the JWKS URL', async () => {
    const jwks = new JwksServer();
    const url = await jwks.start();
    try {
      const ed = await keyPair('EdDSA', 'ed-1');
      jwks.keys = [ed.publicJwk];
      const auth = externalAuthenticator(defaults({ jwtJwksUrl: url }), base());
      assert.equal((await auth.authenticate({ jwt: await sign(ed) })).user, 'ann');
      assert.equal(jwks.requests, 1);
    } finally {
      await jwks.close();
    }
  });

  it('fails at start-up with SB_ERR_CONFIG_INVALID for a bad key file or URL, a webhook without secret, or an unusable allow-list', () => {
    const bad = join(dir, 'not-a-key.pem');
    writeFileSync(bad, 'hello');
    for (const settings of [
      defaults({ jwtPublicKey: join(dir, 'missing.pem') }),
      defaults({ jwtPublicKey: bad }),
      defaults({ authWebhook: 'http://127.0.0.1:9/auth' }),
      defaults({ authWebhook: 'not a url', authWebhookSecret: 's' }),
      defaults({ jwtJwksUrl: 'file:///etc/jwks.json' }),
      defaults({ jwtSecret: SECRET, jwtAlgorithms: ['RS256'] }),
    ])
      assert.throws(() => externalAuthenticator(settings, base()), {
        code: 'SB_ERR_CONFIG_INVALID',
      });
  });
});
