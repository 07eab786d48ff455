/**
 * Real JWTs for the auth tests, signed here with jose: key pairs of every family, tokens with
 * any claims, the hostile ones (alg none, HMAC over a public key), and a JWKS served over HTTP
 * on loopback that counts its requests.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type JWK, type JWTPayload } from 'jose';

export const FAMILIES = ['HS256', 'RS256', 'PS256', 'ES256', 'EdDSA'] as const;
export const SECRET = 'a-test-secret-of-at-least-32-bytes!!';

export interface KeyPair {
  alg: string;
  kid: string;
  privateKey: CryptoKey;
  publicPem: string;
  publicJwk: JWK;
}

export async function keyPair(alg: string, kid = `${alg}-1`): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, publicPem: await exportSPKI(publicKey), publicJwk };
}

const nowS = (): number => Math.floor(Date.now() / 1000);

/** A token for `sub` valid for `ttlS` seconds; `claims` override or add (exp, iss, ...). */
export async function sign(
  key: KeyPair | 'secret' | Uint8Array,
  claims: JWTPayload = {},
  ttlS = 300,
): Promise<string> {
  const payload: JWTPayload = { sub: 'ann', iat: nowS(), exp: nowS() + ttlS, ...claims };
  for (const k of Object.keys(payload)) if (payload[k] === undefined) delete payload[k];
  const jwt = new SignJWT(payload);
  if (key === 'secret') return jwt.setProtectedHeader({ alg: 'HS256' }).sign(secretBytes());
  if (key instanceof Uint8Array) return jwt.setProtectedHeader({ alg: 'HS256' }).sign(key);
  return jwt.setProtectedHeader({ alg: key.alg, kid: key.kid }).sign(key.privateKey);
}

export const secretBytes = (): Uint8Array => new TextEncoder().encode(SECRET);

const b64 = (v: object): string => Buffer.from(JSON.stringify(v)).toString('base64url');

/** An unsecured token (`alg: none`, empty signature). */
export function unsigned(claims: JWTPayload = {}): string {
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'ann', exp: nowS() + 300, ...claims })}.`;
}

/** Serves `{keys}` at /jwks.json on 127.0.0.1 and counts the requests. */
export class JwksServer {
  keys: JWK[] = [];
  requests = 0;
  readonly #server: Server = createServer((req, res) => {
    this.requests++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: this.keys }));
  });

  async start(): Promise<string> {
    await new Promise<void>((r) => this.#server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/jwks.json`;
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((r) => this.#server.close(() => r()));
  }
}
