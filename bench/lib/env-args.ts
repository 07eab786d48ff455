/**
 * Extra command-line arguments from an environment variable, split on spaces (no quoting):
 * BENCH_SWITCHBOARD_ARGS, BENCH_SWITCHBOARD_NODE_ARGS, BENCH_PEER_NODE_ARGS, BENCH_LOAD_NODE_ARGS.
 * Unset or empty: none.
 */
export function envArgs(name: string): string[] {
  return (process.env[name] ?? '').split(' ').filter(Boolean);
}
