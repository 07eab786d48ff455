/** The URLs a person uses to reach a node bound to `host`. */
export function addressOf(host: string, port: number): { url: string; wsUrl: string } {
  const shown =
    host === '0.0.0.0' || host === '::' || host === ''
      ? 'localhost'
      : host.includes(':')
        ? `[${host}]`
        : host;
  return { url: `http://${shown}:${port}`, wsUrl: `ws://${shown}:${port}/ws` };
}
