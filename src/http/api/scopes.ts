/**
 * The fixed set of API key scopes (docs/api.md). Each endpoint needs exactly one; `admin`
 * covers every scope and alone reaches API keys and the call log.
 */
export const API_SCOPES = [
  'messages:read',
  'messages:write',
  'rooms:read',
  'rooms:write',
  'users:read',
  'users:write',
  'presence:read',
  'webhooks:write',
  'admin',
] as const;

export type ApiScope = (typeof API_SCOPES)[number];

export const hasScope = (granted: readonly string[], needed: ApiScope): boolean =>
  granted.includes(needed) || granted.includes('admin');
