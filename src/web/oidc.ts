/**
 * OIDC sign-in on the page (docs/auth.md#oidc-sign-in): the "Sign in with <name>" button, shown
 * only when the server says OIDC is on, and the landing back from the callback, whose result is
 * in the address's fragment (`#sb-oidc-token=…` or `#sb-oidc-error=<code>`): read once, then
 * removed from the address bar and history so the token is not left in view or bookmarked.
 */
import { signInModes } from '../client/accounts.js';
import { byTestId } from './dom.js';

export const OIDC_START = '/api/v1/auth/oidc/start';

export type OidcLanding = { token: string } | { error: string } | null;

/** The callback's result in the fragment, if any; the fragment is cleared either way. */
export function takeOidcLanding(): OidcLanding {
  const params = new URLSearchParams(location.hash.slice(1));
  const token = params.get('sb-oidc-token');
  const error = params.get('sb-oidc-error');
  if (token === null && error === null) return null;
  history.replaceState(history.state, '', location.pathname + location.search);
  return token ? { token } : { error: error ?? 'SB_ERR_INTERNAL' };
}

/**
 * Asks the server which ways in it allows: `onModes` gets them (the form hides the others), and
 * the OIDC button shows when OIDC is on; a click leaves for the provider.
 */
export function showOidcButton(onModes: (modes: readonly string[]) => void = () => {}): void {
  const button = byTestId<HTMLButtonElement>('oidc-signin');
  signInModes().then(
    ({ modes, oidc }) => {
      onModes(modes);
      if (!oidc) return;
      button.textContent = `Sign in with ${oidc.name}`;
      button.hidden = false;
      button.addEventListener('click', () => location.assign(OIDC_START));
    },
    () => undefined, // an older server without /modes: no button
  );
}
