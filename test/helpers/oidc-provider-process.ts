/**
 * A real OpenID provider (panva's `oidc-provider`, OpenID-certified) for the OIDC sign-in tests,
 * run in its own process by ./oidc-provider.ts. It listens on an ephemeral 127.0.0.1 port at
 * once and reports it; the Switchboard under test learns its issuer from that, and the provider
 * is built when the parent sends the client's redirect URI (known once Switchboard listens).
 *
 * Accounts: any login at the dev interaction form is an account whose `sub` is the login, with
 * `preferred_username` the login, `name` "<Login> Example" and `email` <login>@example.com.
 *
 * `{tamper: 'aud'}` over IPC makes the token endpoint re-sign each ID token, with the provider's
 * own key, for another client: an ID token the provider really signed, meant for someone else.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import Provider from 'oidc-provider';

export interface ProviderClient {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
}

type Message = { clients: ProviderClient[] } | { tamper: 'aud' | null };

const server = createServer();
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const jwk: JWK = { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
const signingKey = await importJWK(jwk, 'RS256');
let tamper: 'aud' | null = null;

function build(clients: ProviderClient[]): void {
  const provider = new Provider(issuer, {
    clients: clients.map((c) => ({ ...c, grant_types: ['authorization_code'] })),
    jwks: { keys: [jwk] },
    cookies: { keys: ['test-cookie-key'] },
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email'] },
    // Profile claims in the ID token itself, as many providers send them.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    findAccount: (_ctx, id) => ({
      accountId: id,
      claims: () => ({
        sub: id,
        preferred_username: id,
        name: `${id.charAt(0).toUpperCase()}${id.slice(1)} Example`,
        email: `${id}@example.com`,
      }),
    }),
  });
  provider.use(async (ctx, next) => {
    await next();
    const body = ctx.body as { id_token?: string } | undefined;
    if (tamper === 'aud' && ctx.path === '/token' && body?.id_token) {
      const claims = decodeJwt(body.id_token);
      body.id_token = await new SignJWT({ ...claims, aud: 'another-client' })
        .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
        .sign(signingKey);
    }
  });
  const handle = provider.callback();
  server.on('request', (req, res) => void handle(req, res));
}

process.on('message', (m: Message) => {
  if ('clients' in m) build(m.clients);
  else tamper = m.tamper;
  process.send!({ ok: true });
});
process.send!({ issuer });
