import { createPublicKey, type KeyObject } from 'node:crypto';
import {
  createRemoteJWKSet,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTHeaderParameters,
} from 'jose';
import { SwitchboardError } from '../errors.js';
import { HANDLE_RE } from '../protocol/frames.js';
import type { Authenticator, Credentials, Identity } from './authenticator.js';

export const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;
export const PUBLIC_KEY_ALGORITHMS = [
  ...['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'],
  ...['ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'],
] as const;

export interface JwtAuthenticatorOptions {
  /** Shared secret for HS256/384/512. Default none: HS tokens are refused. */
  secret?: string;
  /** PEM public key (or certificate) for RS/PS/ES/EdDSA. Default none. */
  publicKeyPem?: string;
  /** URL of a JWKS for RS/PS/ES/EdDSA, chosen by the token's `kid`. Default none. */
  jwksUrl?: string;
  /** Required `iss`. Default: not checked. */
  issuer?: string;
  /** Required `aud` (one of the token's). Default: not checked. */
  audience?: string;
  /** Claim holding the server roles (array of strings, or one string). Default `roles`. */
  rolesClaim?: string;
  /** Tolerance for `exp` and `nbf`, in ms. Default 30 000. */
  clockSkewMs?: number;
  /** Allow-list of `alg` values; default every algorithm the configured keys can verify. */
  algorithms?: readonly string[];
  /** Least time between two JWKS fetches (an unknown `kid` refetches). Default 30 000 ms. */
  jwksCooldownMs?: number;
  /** How long a fetched JWKS is trusted without refetching. Default 600 000 ms. */
  jwksMaxAgeMs?: number;
  /** Time budget of one JWKS fetch. Default 5 000 ms. */
  jwksTimeoutMs?: number;
  /** Told of every failed JWKS fetch (the hello got SB_ERR_AUTH_UNAVAILABLE). */
  onUnavailable?: (err: unknown) => void;
}

/**
 * Identity from a JWT of the operator's identity provider (`hello {jwt}`, `refresh {jwt}`).
 * Checks the signature with the configured keys, `exp` (required), `nbf`, `iss` and `aud` with
 * a small clock skew. HS algorithms are verified only with the secret and the others only with
 * the public key or JWKS, so a token HMAC-signed with the public key is refused (algorithm
 * confusion); `alg: none` is never accepted. `sub` is the user id as it is: it must already be
 * a valid handle (1-32 of a-z 0-9 _ . -, lower case), otherwise the token is refused.
 * Keeps no session: the identity's token is '' and the connection ends at `exp`.
 */
export class JwtAuthenticator implements Authenticator {
  readonly algorithms: readonly string[];
  readonly #secret: Uint8Array | null;
  readonly #publicKey: KeyObject | null;
  readonly #jwks: JWTVerifyGetKey | null;
  readonly #opts: JwtAuthenticatorOptions;

  constructor(options: JwtAuthenticatorOptions) {
    this.#opts = options;
    this.#secret = options.secret ? new TextEncoder().encode(options.secret) : null;
    this.#publicKey = options.publicKeyPem ? readPublicKey(options.publicKeyPem) : null;
    this.#jwks = options.jwksUrl
      ? createRemoteJWKSet(new URL(options.jwksUrl), {
          cooldownDuration: options.jwksCooldownMs ?? 30_000,
          cacheMaxAge: options.jwksMaxAgeMs ?? 600_000,
          timeoutDuration: options.jwksTimeoutMs ?? 5_000,
        })
      : null;
    this.algorithms = allowedAlgorithms(
      this.#secret !== null,
      this.#publicKey !== null || this.#jwks !== null,
      options.algorithms,
    );
  }

  async authenticate(credentials: Credentials): Promise<Identity> {
    const token = credentials.jwt;
    if (token === undefined) throw new SwitchboardError('SB_ERR_JWT_INVALID', 'no JWT given');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, (header, jws) => this.#key(header, jws), {
        algorithms: [...this.algorithms],
        ...(this.#opts.issuer ? { issuer: this.#opts.issuer } : {}),
        ...(this.#opts.audience ? { audience: this.#opts.audience } : {}),
        clockTolerance: (this.#opts.clockSkewMs ?? 30_000) / 1000,
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (err) {
      throw toJwtError(err);
    }
    return this.#identity(payload);
  }

  /** JWT users are known to the directory, not here: the chain asks the others. */
  exists(): Promise<boolean> {
    return Promise.resolve(false);
  }

  // HS only with the secret, never with a public key: that is what refuses algorithm confusion.
  async #key(
    header: JWTHeaderParameters,
    jws: Parameters<JWTVerifyGetKey>[1],
  ): Promise<Awaited<ReturnType<JWTVerifyGetKey>>> {
    if (header.alg.startsWith('HS')) {
      if (this.#secret) return this.#secret;
      throw new SwitchboardError('SB_ERR_JWT_INVALID', 'JWT algorithm is not accepted');
    }
    if (this.#jwks && (header.kid !== undefined || !this.#publicKey)) {
      try {
        return await this.#jwks(header, jws);
      } catch (err) {
        const coded = toKeySetError(err);
        if (coded.code === 'SB_ERR_AUTH_UNAVAILABLE') this.#opts.onUnavailable?.(err);
        throw coded;
      }
    }
    if (this.#publicKey) return this.#publicKey;
    throw new SwitchboardError('SB_ERR_JWT_INVALID', 'JWT algorithm is not accepted');
  }

  #identity(payload: JWTPayload): Identity {
    const user = payload.sub!;
    if (!HANDLE_RE.test(user))
      throw new SwitchboardError('SB_ERR_JWT_INVALID', 'JWT sub is not a valid user id');
    const identity: Identity = {
      user,
      token: '',
      expiresAt: payload.exp! * 1000,
      endsAtExpiry: true,
      roles: rolesOf(payload[this.#opts.rolesClaim ?? 'roles']),
    };
    if (typeof payload.name === 'string' && payload.name.trim())
      identity.name = payload.name.trim().slice(0, 100);
    return identity;
  }
}

function rolesOf(claim: unknown): string[] {
  const list = typeof claim === 'string' ? claim.split(' ') : Array.isArray(claim) ? claim : [];
  return list.filter((r): r is string => typeof r === 'string' && r.length > 0 && r.length <= 64);
}

function readPublicKey(pem: string): KeyObject {
  try {
    return createPublicKey(pem);
  } catch (err) {
    throw new SwitchboardError('SB_ERR_CONFIG_INVALID', 'jwtPublicKey is not a PEM public key', {
      cause: err,
    });
  }
}

function allowedAlgorithms(
  hmac: boolean,
  publicKey: boolean,
  allowList: readonly string[] | undefined,
): string[] {
  const usable: string[] = [
    ...(hmac ? HMAC_ALGORITHMS : []),
    ...(publicKey ? PUBLIC_KEY_ALGORITHMS : []),
  ];
  if (!allowList || allowList.length === 0) return usable;
  const unusable = allowList.filter((a) => !usable.includes(a));
  if (unusable.length > 0) {
    throw new SwitchboardError(
      'SB_ERR_CONFIG_INVALID',
      `jwtAlgorithms: ${unusable.join(', ')} cannot be verified with the configured keys`,
    );
  }
  return [...allowList];
}

/** jose's error codes, mapped to ours; the wire message never carries key material. */
function toJwtError(err: unknown): SwitchboardError {
  if (err instanceof SwitchboardError) return err;
  const code = (err as { code?: unknown }).code;
  const claim = (err as { claim?: unknown }).claim;
  if (code === 'ERR_JWT_EXPIRED')
    return new SwitchboardError('SB_ERR_JWT_EXPIRED', undefined, { cause: err });
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && claim === 'nbf')
    return new SwitchboardError('SB_ERR_JWT_NOT_YET_VALID', undefined, { cause: err });
  const message =
    code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && typeof claim === 'string'
      ? `JWT ${claim} claim is missing or not accepted`
      : code === 'ERR_JOSE_ALG_NOT_ALLOWED'
        ? 'JWT algorithm is not accepted'
        : code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED'
          ? 'JWT signature does not verify'
          : 'JWT is malformed or not signed by a trusted key';
  return new SwitchboardError('SB_ERR_JWT_INVALID', message, { cause: err });
}

/** A kid the key set lacks is the token's fault; a key set that cannot be fetched is ours. */
function toKeySetError(err: unknown): SwitchboardError {
  const code = (err as { code?: unknown }).code;
  if (code === 'ERR_JWKS_NO_MATCHING_KEY' || code === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS')
    return new SwitchboardError('SB_ERR_JWT_INVALID', 'JWT key id is not in the key set', {
      cause: err,
    });
  return new SwitchboardError('SB_ERR_AUTH_UNAVAILABLE', 'the JWT key set cannot be fetched', {
    cause: err,
  });
}
