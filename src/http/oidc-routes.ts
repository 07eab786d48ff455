/**
 * OIDC sign-in on the page (docs/auth.md#oidc-sign-in): `GET /api/v1/auth/oidc/start` redirects
 * to the provider with a sealed transaction cookie (src/auth/oidc-transaction.ts), and
 * `GET /api/v1/auth/oidc/callback` checks it, lets the provider's code be exchanged
 * (src/auth/oidc-client.ts), signs in the linked account and redirects to the page with the
 * session token in the fragment, which no server or Referer ever sees. Callback errors redirect
 * to the page as `#sb-oidc-error=<code>`: the browser is mid-navigation, not reading JSON.
 */
import type { IncomingMessage } from 'node:http';
import type { AccountService } from '../auth/accounts.js';
import type { OidcFlow } from '../auth/oidc-flow.js';
import type { OidcSettings } from '../auth/oidc-settings.js';
import {
  OIDC_COOKIE,
  OIDC_COOKIE_PATH,
  OIDC_TRANSACTION_MS,
  openTransaction,
  safeReturnPath,
  sealTransaction,
  transactionKey,
  type OidcTransaction,
} from '../auth/oidc-transaction.js';
import { sameSecret } from '../auth/token-hash.js';
import { SwitchboardError } from '../errors.js';
import type { ApiRouter, Reply } from './router.js';

export interface OidcRoutesOptions {
  settings: OidcSettings;
  /** The provider client (src/auth/oidc-client.ts), loaded by the server when configured. */
  flow: OidcFlow;
  now?: () => number;
  /** Told about errors that are not the person's (logged by the server). */
  onError?: (err: unknown) => void;
}

/** With `options` null (no `--oidc-issuer`) both routes answer 403 SB_ERR_AUTH_MODE_DISABLED. */
export function addOidcRoutes(
  router: ApiRouter,
  accounts: AccountService,
  options: OidcRoutesOptions | null,
): void {
  if (!options) {
    const off = async (): Promise<Reply> => {
      throw new SwitchboardError('SB_ERR_AUTH_MODE_DISABLED', 'OIDC sign-in is not configured');
    };
    router.add('GET', '/auth/oidc/start', off).add('GET', '/auth/oidc/callback', off);
    return;
  }
  const { settings, flow } = options;
  const now = options.now ?? Date.now;
  const key = transactionKey(settings.oidcClientSecret);
  const secure = new URL(settings.oidcRedirectUrl).protocol === 'https:';
  const cookie = (value: string, maxAge: number): string =>
    `${OIDC_COOKIE}=${value}; Path=${OIDC_COOKIE_PATH}; Max-Age=${maxAge}; HttpOnly; ` +
    `SameSite=Lax${secure ? '; Secure' : ''}`;
  const redirect = (location: string, setCookie: string): Reply => ({
    status: 302,
    headers: {
      location,
      'set-cookie': setCookie,
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
    },
  });

  router
    .add('GET', '/auth/oidc/start', async ({ req }) => {
      const { url, checks } = await flow.start();
      const query = new URL(req.url ?? '/', 'http://x').searchParams;
      const tx: OidcTransaction = {
        ...checks,
        returnTo: safeReturnPath(query.get('return')),
        expiresAt: now() + OIDC_TRANSACTION_MS,
      };
      return redirect(url.href, cookie(sealTransaction(key, tx), OIDC_TRANSACTION_MS / 1000));
    })
    .add('GET', '/auth/oidc/callback', async ({ req }) => {
      const cleared = cookie('', 0);
      const tx = openTransaction(key, readCookie(req, OIDC_COOKIE) ?? '', now());
      const page = tx?.returnTo ?? '/';
      try {
        const issued = await callback(req, tx);
        return redirect(`${page}#sb-oidc-token=${encodeURIComponent(issued.token)}`, cleared);
      } catch (err) {
        const code = err instanceof SwitchboardError ? err.code : 'SB_ERR_INTERNAL';
        if (code === 'SB_ERR_INTERNAL' || code === 'SB_ERR_OIDC_UNAVAILABLE') {
          options.onError?.(err);
        }
        return redirect(`${page}#sb-oidc-error=${code}`, cleared);
      }
    });

  async function callback(req: IncomingMessage, tx: OidcTransaction | null) {
    accounts.throttle(req.socket.remoteAddress ?? 'unknown');
    // The URL the provider redirected to, as registered: openid-client sends its origin and path
    // to the token endpoint as redirect_uri, which must be the one the code was issued for.
    const url = new URL(settings.oidcRedirectUrl);
    url.search = new URL(req.url ?? '/', 'http://x').search;
    if (url.searchParams.has('error')) throw new SwitchboardError('SB_ERR_OIDC_DENIED');
    if (!tx || !sameSecret(url.searchParams.get('state') ?? '', tx.state)) {
      throw new SwitchboardError('SB_ERR_OIDC_STATE_INVALID');
    }
    const { link, profile } = await flow.finish(url, tx);
    return accounts.signInOidc(link, profile, {
      device: req.headers['user-agent'] ?? '',
      address: req.socket.remoteAddress ?? 'unknown',
    });
  }
}

function readCookie(req: IncomingMessage, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return null;
}
