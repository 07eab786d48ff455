/**
 * Helpers every backend (buses, stores) uses at its driver boundary: the coded error that wraps
 * a driver error, and URLs made safe for messages and logs.
 */
import { SwitchboardError } from './errors.js';

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message || err.name : String(err);
}

/** SB_ERR_BACKEND_UNAVAILABLE with the driver error as `cause` (never shown to clients). */
export function backendUnavailable(backend: string, op: string, cause: unknown): SwitchboardError {
  const reason = cause === undefined || cause === null ? 'not connected' : errorText(cause);
  return new SwitchboardError('SB_ERR_BACKEND_UNAVAILABLE', `${backend} ${op} failed: ${reason}`, {
    cause: cause ?? new Error('not connected'),
  });
}

/** The URL without its password; an unparsable URL is not echoed at all. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}

/**
 * Imports a backend module (and with it its driver) only when it is configured; a missing
 * driver fails start-up with a coded error naming the package to install.
 */
export async function loadDriver<T>(
  load: () => Promise<T>,
  driver: string,
  what: string,
): Promise<T> {
  try {
    return await load();
  } catch (err) {
    throw new SwitchboardError(
      'SB_ERR_BACKEND_UNAVAILABLE',
      `the ${what} needs the ${driver} package (npm install ${driver})`,
      { cause: err },
    );
  }
}

export const noop = (): void => {};
