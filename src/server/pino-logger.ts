/**
 * The server's pino logger: one JSON object a line for machines, readable lines for a person at a
 * terminal (`logFormat` auto picks by whether stdout is a TTY). Pretty lines come from
 * pino-pretty's formatter called in-process on each line and written synchronously, not from a
 * worker transport, so nothing is lost when the process exits right after logging.
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';

export type LogFormat = 'auto' | 'pretty' | 'json';

/** Whether `format` means readable lines: `auto` does when stdout is a terminal. */
export function isPretty(format: LogFormat): boolean {
  return format === 'auto' ? process.stdout.isTTY === true : format === 'pretty';
}

/** A pino logger writing synchronously to stdout in `format`. */
export function createLogger(level: string, format: LogFormat): Logger {
  const out = pino.destination({ fd: 1, sync: true });
  const stream: DestinationStream = isPretty(format)
    ? { write: (line: string) => out.write(prettyLine(line)) }
    : out;
  return pino({ level, base: { pid: process.pid } }, stream);
}

/** A JSON log line as a readable line (ending in a newline); other text passes through. */
export const prettyLine: (line: string) => string = prettyFactory({
  colorize: process.stdout.isTTY === true,
  translateTime: 'SYS:HH:MM:ss',
  ignore: 'pid,hostname',
  hideObject: true,
  messageFormat: (log, messageKey) => readableMessage(log, messageKey),
});

/** Fields pino-pretty shows by itself (time, level) or leaves out (pid, hostname). */
const SHOWN = ['level', 'time', 'pid', 'hostname'];
/** Fields a `listening` line's address says. */
const ADDRESS = ['url', 'ws', 'version', 'port'];

/**
 * The message, then the other fields as `key=value`, then an error's stack. A `… listening` line
 * with a `url` leads with the address: `Switchboard 0.1.0 listening: http://… (chat page), ws://…`.
 */
export function readableMessage(log: Record<string, unknown>, messageKey = 'msg'): string {
  const raw = log[messageKey];
  const message = typeof raw === 'string' ? raw : raw === undefined ? '' : JSON.stringify(raw);
  const banner = typeof log.url === 'string' && message.endsWith('listening');
  const head = banner
    ? `Switchboard ${String(log.version)} ${message}: ${String(log.url)} (chat page)` +
      (typeof log.ws === 'string' ? `, ${log.ws}` : '')
    : message;
  const hidden = new Set([messageKey, 'err', ...SHOWN, ...(banner ? ADDRESS : [])]);
  const fields = Object.entries(log)
    .filter(([key]) => !hidden.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  const err = log.err as { stack?: unknown; message?: unknown } | undefined;
  const stack = err ? `\n    ${String(err.stack ?? err.message).replace(/\n/g, '\n    ')}` : '';
  return [head, ...fields].join(' ') + stack;
}
