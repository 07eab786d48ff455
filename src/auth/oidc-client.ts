/**
 * The relying party of OIDC sign-in, on `openid-client` (panva; RFC-checked, OpenID-certified,
 * built on oauth4webapi) for discovery, PKCE S256, state, nonce, the code exchange and the ID
 * token's validation (signature from the provider's JWKS, `iss`, `aud`, `nonce`, `exp`, `iat`).
 * The only module that imports it; the server loads this module only when `--oidc-issuer` is
 * set. Provider failures become coded errors here, with the library's error as `cause`.
 */
import * as oidc from 'openid-client';
import { SwitchboardError, type ErrorCode } from '../errors.js';
import type { OidcFlow } from './oidc-flow.js';
import { isLoopbackHttp, type OidcSettings } from './oidc-settings.js';
import type { OidcTransaction } from './oidc-transaction.js';

/** Seconds a provider request may take (openid-client counts its timeout in seconds). */
const TIMEOUT_S = 5;

export class OidcClient implements OidcFlow {
  readonly #s: OidcSettings;
  #config: Promise<oidc.Configuration> | null = null;

  constructor(settings: OidcSettings) {
    this.#s = settings;
  }

  /** Discovery once, on first use; a failed one is forgotten so the next sign-in retries. */
  #discover(): Promise<oidc.Configuration> {
    this.#config ??= oidc
      .discovery(
        new URL(this.#s.oidcIssuer),
        this.#s.oidcClientId,
        undefined,
        oidc.ClientSecretBasic(this.#s.oidcClientSecret),
        {
          timeout: TIMEOUT_S,
          // openid-client refuses plain http; the settings allow it only on loopback.
          ...(isLoopbackHttp(new URL(this.#s.oidcIssuer))
            ? { execute: [oidc.allowInsecureRequests] }
            : {}),
        },
      )
      .catch((err: unknown) => {
        this.#config = null;
        throw new SwitchboardError('SB_ERR_OIDC_UNAVAILABLE', undefined, { cause: err });
      });
    return this.#config;
  }

  async start(): ReturnType<OidcFlow['start']> {
    const config = await this.#discover();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.#s.oidcRedirectUrl,
      scope: this.#s.oidcScopes,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url, checks: { state, nonce, codeVerifier } };
  }

  async finish(callback: URL, tx: OidcTransaction): ReturnType<OidcFlow['finish']> {
    const config = await this.#discover();
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: tx.codeVerifier,
        expectedState: tx.state,
        expectedNonce: tx.nonce,
        idTokenExpected: true,
      });
    } catch (err) {
      throw new SwitchboardError(classify(err), undefined, { cause: err });
    }
    const claims = tokens.claims()!;
    const text = (key: string): string | undefined =>
      typeof claims[key] === 'string' ? claims[key] : undefined;
    return {
      link: { issuer: claims.iss, subject: claims.sub },
      profile: {
        preferredUsername: text('preferred_username'),
        email: text('email'),
        name: text('name'),
      },
    };
  }
}

/** Which coded error a failed code exchange is. */
function classify(err: unknown): ErrorCode {
  if (err instanceof oidc.AuthorizationResponseError) return 'SB_ERR_OIDC_DENIED';
  if (err instanceof oidc.ResponseBodyError) {
    // invalid_grant and friends: the code was used, expired or is another client's.
    return err.status >= 500 ? 'SB_ERR_OIDC_UNAVAILABLE' : 'SB_ERR_OIDC_CODE_REJECTED';
  }
  if (err instanceof oidc.ClientError) {
    // A provider (or its proxy) answering with an error page is down, not lying.
    const down = ['OAUTH_RESPONSE_IS_NOT_CONFORM', 'OAUTH_RESPONSE_IS_NOT_JSON'];
    return down.includes(err.code ?? '') ? 'SB_ERR_OIDC_UNAVAILABLE' : 'SB_ERR_OIDC_TOKEN_INVALID';
  }
  // fetch's TypeError (refused, reset) and the timeout's AbortSignal error.
  return 'SB_ERR_OIDC_UNAVAILABLE';
}
