/**
 * The one logger type every part of the server takes: pino's method shape (object first, then
 * a message), so a pino logger fits as it is and tests pass `silentLogger`.
 */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const noop = (): void => {};

/** Drops everything: the default where logging is optional, and the tests' logger. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };
