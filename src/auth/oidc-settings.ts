/**
 * The OIDC settings (the `oidc*` rows of src/settings/table.ts) and their start-up check. Kept
 * apart from ./oidc-client.ts so that checking them loads no OpenID library.
 */
import { SwitchboardError } from '../errors.js';

export interface OidcSettings {
  auth: readonly string[];
  oidcIssuer: string;
  oidcClientId: string;
  oidcClientSecret: string;
  oidcRedirectUrl: string;
  oidcScopes: string;
  oidcName: string;
}

/** What the page needs to show the button. */
export interface OidcPublic {
  name: string;
}

/**
 * The checked OIDC settings, or null when OIDC is off. Like a JWT key, `--oidc-issuer` turns
 * OIDC on whether or not `oidc` is listed in `--auth`; listing it without an issuer, or giving
 * an issuer without client id, secret or redirect URL, throws SB_ERR_CONFIG_INVALID.
 */
export function oidcSettings(s: OidcSettings): OidcSettings | null {
  if (!s.oidcIssuer) {
    if (s.auth.includes('oidc')) {
      throw new SwitchboardError(
        'SB_ERR_CONFIG_INVALID',
        'auth lists oidc but oidcIssuer (--oidc-issuer) is not set',
      );
    }
    return null;
  }
  for (const key of ['oidcClientId', 'oidcClientSecret', 'oidcRedirectUrl'] as const) {
    if (!s[key]) {
      throw new SwitchboardError('SB_ERR_CONFIG_INVALID', `oidcIssuer needs ${key} as well`);
    }
  }
  checkUrl('oidcIssuer', s.oidcIssuer, true);
  checkUrl('oidcRedirectUrl', s.oidcRedirectUrl, false);
  if (!s.oidcScopes.split(/\s+/).includes('openid')) {
    throw new SwitchboardError('SB_ERR_CONFIG_INVALID', 'oidcScopes must include openid');
  }
  return s;
}

/** Plain http is allowed only on the loopback interface (a provider on the same machine). */
export function isLoopbackHttp(url: URL): boolean {
  return url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

/** The issuer must be https (or loopback http); the redirect URL http or https. */
function checkUrl(name: string, text: string, issuer: boolean): void {
  let url: URL | null = null;
  try {
    url = new URL(text);
  } catch {
    /* reported below */
  }
  const ok =
    url?.protocol === 'https:' ||
    (url && (issuer ? isLoopbackHttp(url) : url.protocol === 'http:'));
  if (!ok) {
    const expected = issuer
      ? 'an https URL (http only on localhost or 127.0.0.1)'
      : 'an http(s) URL';
    throw new SwitchboardError('SB_ERR_CONFIG_INVALID', `${name}: expected ${expected}`);
  }
}
