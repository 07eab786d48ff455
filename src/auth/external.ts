import { readFileSync } from 'node:fs';
import { SwitchboardError } from '../errors.js';
import type { Authenticator } from './authenticator.js';
import { AuthChain, type PresentedRoles } from './chain.js';
import { JwtAuthenticator } from './jwt.js';
import { WebhookAuthenticator } from './webhook.js';

/** The settings this module reads; the rows of the same names in src/settings/table.ts. */
export interface ExternalAuthSettings {
  jwtSecret: string;
  jwtPublicKey?: string | undefined;
  jwtJwksUrl: string;
  jwtIssuer: string;
  jwtAudience: string;
  jwtRolesClaim: string;
  jwtClockSkew: number;
  jwtAlgorithms: readonly string[];
  authWebhook: string;
  authWebhookSecret: string;
  authWebhookTimeout: number;
  authWebhookFailOpen: boolean;
  authWebhookCache: number;
}

/** Whether any external authenticator is configured (a JWT key or a webhook). */
export function hasExternalAuth(s: ExternalAuthSettings): boolean {
  return Boolean(s.jwtSecret || s.jwtPublicKey || s.jwtJwksUrl || s.authWebhook);
}

export interface ExternalAuthHooks {
  /**
   * Whether a user exists who has no base session (has channels): lets DMs reach JWT and
   * webhook users and keeps guests from claiming their names. Default: nobody.
   */
  knownUser?: (user: string) => Promise<boolean>;
  /** Told why the webhook or the JWKS was unavailable (log it). Default: nothing. */
  onUnavailable?: (err: unknown) => void;
  /** Keeps the server roles JWTs and the webhook present (AuthChain). Default: not kept. */
  presented?: PresentedRoles;
}

/**
 * The integration point: wraps `base` (guest handles, accounts) in an AuthChain with the JWT
 * and webhook authenticators the settings configure; returns `base` itself when none is.
 * Throws SB_ERR_CONFIG_INVALID at start-up for an unreadable key file or a webhook without secret.
 */
export function externalAuthenticator(
  s: ExternalAuthSettings,
  base: Authenticator,
  hooks: ExternalAuthHooks = {},
): Authenticator {
  const { knownUser, onUnavailable, presented } = hooks;
  if (!hasExternalAuth(s)) return base;
  if (s.jwtJwksUrl) checkUrl('jwtJwksUrl', s.jwtJwksUrl);
  if (s.authWebhook) checkUrl('authWebhook', s.authWebhook);
  const jwt =
    s.jwtSecret || s.jwtPublicKey || s.jwtJwksUrl
      ? new JwtAuthenticator({
          ...(s.jwtSecret ? { secret: s.jwtSecret } : {}),
          ...(s.jwtPublicKey ? { publicKeyPem: readKeyFile(s.jwtPublicKey) } : {}),
          ...(s.jwtJwksUrl ? { jwksUrl: s.jwtJwksUrl } : {}),
          ...(s.jwtIssuer ? { issuer: s.jwtIssuer } : {}),
          ...(s.jwtAudience ? { audience: s.jwtAudience } : {}),
          rolesClaim: s.jwtRolesClaim,
          clockSkewMs: s.jwtClockSkew,
          algorithms: s.jwtAlgorithms,
          ...(onUnavailable ? { onUnavailable } : {}),
        })
      : undefined;
  if (s.authWebhook && !s.authWebhookSecret) {
    throw new SwitchboardError(
      'SB_ERR_CONFIG_INVALID',
      'authWebhook needs authWebhookSecret to sign its requests',
    );
  }
  const webhook = s.authWebhook
    ? new WebhookAuthenticator({
        url: s.authWebhook,
        secret: s.authWebhookSecret,
        timeoutMs: s.authWebhookTimeout,
        cacheMs: s.authWebhookCache,
        ...(onUnavailable ? { onUnavailable } : {}),
      })
    : undefined;
  return new AuthChain({
    base,
    ...(jwt ? { jwt } : {}),
    ...(webhook ? { webhook } : {}),
    webhookFailOpen: s.authWebhookFailOpen,
    ...(knownUser ? { knownUser } : {}),
    ...(presented ? { presented } : {}),
  });
}

function readKeyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new SwitchboardError('SB_ERR_CONFIG_INVALID', `jwtPublicKey: cannot read ${path}`, {
      cause: err,
    });
  }
}

function checkUrl(name: string, url: string): void {
  let protocol = '';
  try {
    protocol = new URL(url).protocol;
  } catch {
    /* reported below */
  }
  if (protocol !== 'http:' && protocol !== 'https:')
    throw new SwitchboardError('SB_ERR_CONFIG_INVALID', `${name}: expected an http(s) URL`);
}
