/**
 * Which pages may open a WebSocket: the Origin check of the `/ws` upgrade. A browser always
 * sends `Origin` with a WebSocket handshake and lets any page open one to any server, with the
 * user's cookies: without this check a hostile page could chat as the user (cross-site
 * WebSocket hijacking). Clients that are not browsers send no Origin and are let in: they could
 * forge any Origin anyway, and they authenticate with a token of their own.
 */

/** `scheme://host[:port]` as browsers send it (lowercase, default port dropped); null if unusable. */
export function normalizeOrigin(text: string): string | null {
  try {
    const url = new URL(text);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    return url.origin;
  } catch {
    return null;
  }
}

/**
 * Whether an upgrade with these headers may proceed. `allowed`: origins from `--allowed-origins`
 * (`*` lets any in); empty means the server's own origin only: the Origin's host and port equal
 * the request's Host header (behind a proxy, pass the Host through or list the public origin).
 */
export function originAllowed(
  origin: string | undefined,
  host: string | undefined,
  allowed: readonly string[],
): boolean {
  if (origin === undefined) return true;
  if (allowed.includes('*')) return true;
  const normalized = normalizeOrigin(origin);
  if (normalized === null) return false; // "null" (sandboxed frames, file:) and garbage
  if (allowed.length > 0) return allowed.some((a) => normalizeOrigin(a) === normalized);
  return host !== undefined && new URL(normalized).host === host.toLowerCase();
}
