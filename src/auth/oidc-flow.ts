/**
 * The OIDC seam: what the sign-in routes (src/http/oidc-routes.ts) need from an OpenID provider.
 * Implemented by OidcClient (./oidc-client.ts, on openid-client), which the server loads only
 * when `--oidc-issuer` is set. Failures reject with coded SwitchboardErrors (SB_ERR_OIDC_*),
 * the library's error as `cause`.
 */
import type { OidcLink } from './account-store.js';
import type { OidcProfile } from './oidc-handle.js';
import type { OidcTransaction } from './oidc-transaction.js';

export interface OidcFlow {
  /** The authorization URL, and the checks the callback needs (sealed in the cookie). */
  start(): Promise<{ url: URL; checks: Omit<OidcTransaction, 'returnTo' | 'expiresAt'> }>;
  /**
   * The validated identity of a callback URL whose `state` the caller has already matched
   * against `tx` (the code is exchanged with its PKCE verifier; the ID token checked).
   */
  finish(callback: URL, tx: OidcTransaction): Promise<{ link: OidcLink; profile: OidcProfile }>;
}
