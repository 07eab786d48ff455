/**
 * The refresh command: a connection authenticated by a JWT swaps in a fresh one before the old
 * one expires. Nothing else changes: subscriptions, channels and queued frames stay as they are,
 * so no message is lost or repeated. The new token must name the same user.
 */
import type { Identity } from '../../auth/authenticator.js';
import { SwitchboardError } from '../../errors.js';
import type { RefreshResult } from '../../protocol/frames.js';
import type { ClientConnection } from '../connection.js';
import { NO_REPLY } from '../wire.js';
import type { CommandContext, Frame } from './context.js';

/** How long before a JWT's expiry the `expiring` frame goes out, at most. */
export const EXPIRY_NOTICE_MS = 60_000;

export async function refresh(
  ctx: CommandContext,
  conn: ClientConnection,
  f: Frame<'refresh'>,
): Promise<unknown> {
  const identity = await ctx.auth.authenticate({ jwt: f.jwt });
  if (conn.closed) return NO_REPLY;
  if (identity.user !== conn.user) throw new SwitchboardError('SB_ERR_JWT_USER_MISMATCH');
  conn.roles = identity.roles ?? [];
  conn.credential = credentialExpiry(identity, ctx.now());
  const result: RefreshResult = { expiresAt: identity.expiresAt };
  return result;
}

/**
 * When a connection's credential ends it, and when to warn: min(60 s, half the remaining
 * lifetime) before. Null for credentials that do not end connections (sessions).
 */
export function credentialExpiry(identity: Identity, now: number): ClientConnection['credential'] {
  if (!identity.endsAtExpiry) return null;
  const left = Math.max(0, identity.expiresAt - now);
  return {
    expiresAt: identity.expiresAt,
    warnAt: identity.expiresAt - Math.min(EXPIRY_NOTICE_MS, left / 2),
  };
}
