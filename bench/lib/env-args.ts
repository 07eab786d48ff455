/**
 * Extra command-line arguments from an environment variable, split on spaces (no quoting):
 * BENCH_SWITCHBOARD_ARGS, BENCH_SWITCHBOARD_NODE_ARGS, BENCH_PEER_NODE_ARGS, BENCH_LOAD_NODE_ARGS.
 * Unset or empty: none.
 */
export function envArgs(name: string): string[] {
  return (process.env[name] ?? '').split(' ').filter(Boolean);
}

/**
 * `name=value` pairs from an environment variable, split on spaces (no quoting), as an object:
 * BENCH_STORE_PG_SETTINGS. A pair without `=` is an error, not silently dropped.
 */
export function envSettings(name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of envArgs(name)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`${name}: "${pair}" is not name=value`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}
