/**
 * The programmatic API: start a node with the settings of `switchboard serve` (same names,
 * types and defaults, see docs/settings.md), optionally with one's own authenticator, store, bus
 * or presence, and stop it gracefully.
 */
import { parseConfig, type ConfigInput } from '../config.js';
import type { Logger } from '../logger.js';
import { addressOf } from './address.js';
import { createLogger } from './pino-logger.js';
import { SwitchboardServer, type ServerParts } from './switchboard-server.js';

/** The settings of docs/settings.md by name, each optional (all but the process-level `workers`). */
export type SwitchboardOptions = ConfigInput;

/**
 * Your own implementations of the seams (see their interfaces for the guarantees each must give)
 * and a logger. The node owns what it is given: `stop()` closes the store, bus and presence.
 */
export interface SwitchboardParts extends ServerParts {
  /** Where the node logs (pino's method shape). Default: pino on stdout per logLevel/logFormat. */
  logger?: Logger;
}

export interface RunningSwitchboard {
  /** The bound TCP port: the one the system chose when `port` was 0. */
  readonly port: number;
  /** The chat page, e.g. `http://localhost:8080` (`localhost` when bound to every interface). */
  readonly url: string;
  /** The WebSocket endpoint, e.g. `ws://localhost:8080/ws`. */
  readonly wsUrl: string;
  /** This node's id in the cluster. */
  readonly nodeId: string;
  /** The bound port of the `metricsListen` server; null when /metrics is on the chat port. */
  readonly metricsPort: number | null;
  /** Every route served under /api/v1 as `{method, path}` (`/rooms/{room}`), openapi.json included. */
  apiRoutes(): { method: string; path: string }[];
  /**
   * Drains and closes: stops accepting, finishes in-flight commands (up to shutdownTimeout),
   * closes clients with 4000 (reconnect), then closes presence, bus and store. Idempotent.
   */
  stop(): Promise<void>;
}

/**
 * Starts a node and resolves once it listens. Rejects SB_ERR_CONFIG_INVALID naming each bad or
 * unknown option, and SB_ERR_BACKEND_UNAVAILABLE when a configured backend cannot be reached.
 */
export async function startSwitchboard(
  options: SwitchboardOptions = {},
  parts: SwitchboardParts = {},
): Promise<RunningSwitchboard> {
  const config = parseConfig(options);
  const { logger = createLogger(config.logLevel, config.logFormat), ...seams } = parts;
  const server = await SwitchboardServer.create(config, logger, seams);
  let port: number;
  try {
    port = await server.start();
  } catch (err) {
    await server.stop().catch(() => {});
    throw err;
  }
  return {
    port,
    ...addressOf(config.host, port),
    nodeId: server.nodeId,
    metricsPort: server.metricsPort,
    apiRoutes: () => server.apiRoutes(),
    stop: () => server.stop(),
  };
}
