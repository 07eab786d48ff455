import pg from 'pg';

/**
 * PgBouncer in transaction mode (docs/scaling.md#pgbouncer): a server connection serves one
 * transaction and then another client, so nothing may outlive a transaction on it. PostgresStore
 * keeps no session state (no LISTEN, no SET, advisory locks are transaction-scoped) except the
 * named prepared statements the driver caches per connection; `?pgbouncer=true` on the store URL
 * turns those off (PgBouncer before 1.21 does not track them). The PostgreSQL bus LISTENs and
 * needs a direct connection (or a session-mode pool).
 */
export function pgbouncerMode(url: string): { url: string; pgbouncer: boolean } {
  if (!/[?&]pgbouncer=/u.test(url)) return { url, pgbouncer: false };
  const u = new URL(url);
  const pgbouncer = u.searchParams.get('pgbouncer') === 'true';
  u.searchParams.delete('pgbouncer');
  return { url: u.toString(), pgbouncer };
}

type QueryFn = (config: unknown, ...rest: unknown[]) => unknown;
// Called with the client as `this` below: the driver's own method, config without its name.
// eslint-disable-next-line @typescript-eslint/unbound-method
const namedQuery = pg.Client.prototype.query as unknown as QueryFn;

/** A pg.Client that sends every statement unnamed: parsed and planned per execution. */
export class UnnamedStatementClient extends pg.Client {}
(UnnamedStatementClient.prototype as unknown as { query: QueryFn }).query = function (
  this: pg.Client,
  config: unknown,
  ...rest: unknown[]
) {
  if (typeof config === 'object' && config !== null && 'name' in config) {
    const { name: _name, ...unnamed } = config as Record<string, unknown>;
    return namedQuery.call(this, unnamed, ...rest);
  }
  return namedQuery.call(this, config, ...rest);
};
