/**
 * The `--auth` modes turned into one Authenticator (a SessionChain) and the account
 * service behind the /api/v1/auth routes. A new mode (jwt, webhook, oidc) adds its authenticator
 * to `links` here; modes not wired yet are accepted by the setting and add nothing.
 */
import { AccountAuthenticator } from '../auth/account-authenticator.js';
import { AccountService } from '../auth/accounts.js';
import type { Authenticator } from '../auth/authenticator.js';
import { SessionChain } from '../auth/session-chain.js';
import { HandleAuthenticator } from '../auth/handle.js';
import { LoginThrottle } from '../auth/login-throttle.js';
import type { Config } from '../config.js';
import type { Presence } from '../presence/presence.js';
import type { StoreBackend } from '../store/index.js';

export interface AuthParts {
  auth: Authenticator;
  accounts: AccountService;
}

/** Whether a user has any channel: a JWT or webhook user, who keeps no session, exists then. */
export function hasChannels(store: StoreBackend): (user: string) => Promise<boolean> {
  return async (user) => (await store.memberships(user)).length > 0;
}

export function buildAuth(
  config: Pick<Config, 'auth' | 'sessionTtl' | 'loginAddressRate' | 'loginAddressBurst'>,
  store: StoreBackend,
  presence: Presence,
  onRevoke: (handle: string, sessionId: string) => void,
): AuthParts {
  // A reclaimed handle is a new person: not in the old owner's rooms or DMs.
  const onReclaim = (handle: string): Promise<void> => store.forgetUser(handle);
  const accounts = new AccountService({
    accounts: store.accounts,
    sessions: store,
    throttle: new LoginThrottle({
      addressRate: config.loginAddressRate,
      addressBurst: config.loginAddressBurst,
    }),
    ttlMs: config.sessionTtl,
    onRevoke,
    onReclaim,
    inUse: (handle) => presence.count(handle) > 0,
    // JWT and webhook users keep no session; their name is theirs once they have a channel.
    knownUser: hasChannels(store),
    // A guest starts in general at its first hello; an account at its register. No join event
    // is broadcast: the room's members see the newcomer when they next list or hear from them.
    onCreated: async (handle) => {
      await store.addMember('room:general', handle);
    },
  });
  // Account sessions live on when `password` is turned off: their tokens still sign in.
  const links: Authenticator[] = [new AccountAuthenticator(accounts)];
  if (config.auth.includes('guest')) {
    links.push(new HandleAuthenticator({ sessions: store, ttlMs: config.sessionTtl, onReclaim }));
  }
  const auth = new SessionChain(links, { guests: config.auth.includes('guest') });
  return { auth, accounts };
}
