/**
 * Resolves a settings table from its sources, in precedence order flag > env var > config file >
 * default, and validates the result with the table's schemas. Every problem names where the
 * value came from (`--rate-limit`, `SWITCHBOARD_RATE_LIMIT`, `switchboard.json: rateLimit`), and
 * all of them are reported at once in one SB_ERR_CONFIG_INVALID.
 */
import { z } from 'zod';
import { errorText } from '../backend-errors.js';
import { SwitchboardError } from '../errors.js';
import {
  baseSchema,
  isNegated,
  longFlag,
  type Setting,
  type SettingsOf,
  type SettingsTable,
} from './setting.js';

/** Values that already have their types (a config file, programmatic options). */
export interface TypedSource {
  /** Names a key for messages, e.g. `switchboard.json: rateLimit`. */
  describe(key: string): string;
  values: Readonly<Record<string, unknown>>;
}

export interface SettingSources {
  /** Flag values by setting name as the command line gave them: text, or false for `--no-x`. */
  flags?: Readonly<Record<string, string | boolean | undefined>>;
  /** The environment; an empty variable counts as unset. */
  env?: Readonly<Record<string, string | undefined>>;
  /** A config file or programmatic options, below flags and env vars. */
  typed?: TypedSource;
}

/** The source itself; throws SB_ERR_CONFIG_INVALID naming every key that is not in `table`. */
export function checkKnownKeys(source: TypedSource, table: SettingsTable): TypedSource {
  const unknown = Object.keys(source.values).filter(
    (key) => !Object.prototype.hasOwnProperty.call(table, key),
  );
  if (unknown.length > 0) {
    const names = unknown.map((key) => `${source.describe(key)}: unknown setting`).join('; ');
    throw invalid(`${names} (docs/settings.md lists the settings)`);
  }
  return source;
}

/** SB_ERR_CONFIG_INVALID with the one message shape every configuration problem uses. */
export function invalid(problem: string): SwitchboardError {
  return new SwitchboardError('SB_ERR_CONFIG_INVALID', `invalid configuration: ${problem}`);
}

interface Picked {
  value: unknown;
  origin: string;
}

/** The validated settings; throws SB_ERR_CONFIG_INVALID naming every bad value's source. */
export function resolveSettings<T extends SettingsTable>(
  table: T,
  sources: SettingSources,
): SettingsOf<T> {
  const problems: string[] = [];
  const origins = new Map<string, string>();
  const input: Record<string, unknown> = {};
  for (const [key, row] of Object.entries(table)) {
    try {
      const picked = pick(key, row, sources);
      if (!picked) continue;
      origins.set(key, picked.origin);
      input[key] = picked.value;
    } catch (err) {
      problems.push(err instanceof Error ? err.message : String(err));
    }
  }
  const shape = Object.fromEntries(Object.entries(table).map(([k, row]) => [k, row.schema]));
  const result = z.strictObject(shape).safeParse(input);
  for (const issue of result.error?.issues ?? []) {
    const key = String(issue.path[0] ?? '');
    problems.push(`${origins.get(key) ?? `${key} (default)`}: ${issue.message}`);
  }
  if (problems.length > 0) throw invalid(problems.join('; '));
  return result.data as SettingsOf<T>;
}

function pick(key: string, row: Setting, sources: SettingSources): Picked | undefined {
  const flag = sources.flags?.[key];
  if (flag !== undefined) {
    const origin = longFlag(row);
    return { origin, value: typeof flag === 'boolean' ? flag : fromText(row, flag, origin) };
  }
  const env = sources.env?.[row.env];
  if (env !== undefined && env !== '') {
    const value = fromText(row, env, row.env);
    return { origin: row.env, value: isNegated(row) ? !value : value };
  }
  const typed = sources.typed;
  if (typed && Object.prototype.hasOwnProperty.call(typed.values, key)) {
    const value = typed.values[key];
    if (value !== undefined) return { origin: typed.describe(key), value };
  }
  return undefined;
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

/** Reads a flag or env value as the row's type; throws naming `origin` when it cannot. */
function fromText(row: Setting, text: string, origin: string): unknown {
  if (row.fromText) {
    try {
      return row.fromText(text);
    } catch (err) {
      throw new Error(`${origin}: ${errorText(err)}`);
    }
  }
  const type = baseSchema(row.schema).def.type;
  if (type === 'number') {
    const n = text.trim() === '' ? NaN : Number(text);
    if (!Number.isFinite(n)) throw new Error(`${origin}: not a number: ${JSON.stringify(text)}`);
    return n;
  }
  if (type === 'boolean' || isNegated(row)) {
    const word = text.trim().toLowerCase();
    if (TRUE.has(word)) return true;
    if (FALSE.has(word)) return false;
    throw new Error(`${origin}: expected true or false, got ${JSON.stringify(text)}`);
  }
  if (type === 'array') return text.split(/[\s,]+/).filter(Boolean);
  return text;
}
