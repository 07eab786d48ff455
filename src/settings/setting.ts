/**
 * One row of a settings table: everything the schema, the command line, the environment, a
 * config file, `--help`, the programmatic options and docs/settings.md need to know about one
 * setting. The row's name is its key in the table (and in a config file).
 */
import type { z } from 'zod';

/** Headings of `serve --help` and of docs/settings.md, in the order they are shown. */
export const GROUPS = [
  'Network',
  'Storage',
  'Cluster',
  'Limits',
  'Connections',
  'Presence',
  'Auth',
  'Push',
  'Webhooks',
  'Logging',
] as const;
export type Group = (typeof GROUPS)[number];

export interface Setting<S extends z.ZodType = z.ZodType> {
  /** Type, bounds and default in one zod schema; `.optional()` when the default is computed. */
  readonly schema: S;
  /**
   * Commander flag with its value placeholder, e.g. `--rate-limit <n>` or `-p, --port <port>`.
   * A `--no-<x>` flag sets a boolean to false.
   */
  readonly flag: string;
  /** Environment variable; for a `--no-<x>` flag, a true value sets the setting false. */
  readonly env: string;
  readonly group: Group;
  /** One line for `--help` and the docs, without the default. */
  readonly help: string;
  /** Shown instead of the default when it is computed at start-up, e.g. `<hostname>-<pid>`. */
  readonly defaultText?: string;
  /** Reads a flag or env value; by default derived from the schema's type. */
  readonly fromText?: (text: string) => unknown;
  /** A setting of the process (e.g. `workers`), not of one server: not a programmatic option. */
  readonly processOnly?: true;
}

export type SettingsTable = Readonly<Record<string, Setting>>;

/** The value type a table resolves to, defaults applied. */
export type SettingsOf<T extends SettingsTable> = {
  -readonly [K in keyof T]: z.output<T[K]['schema']>;
};

/** What a caller may pass: every key optional, defaults filled in later. */
export type SettingsInputOf<T extends SettingsTable> = {
  [K in keyof T]?: z.input<T[K]['schema']>;
};

/** Identity with the row checked; keeps the row's exact type, which the table's types rely on. */
export function setting<const R extends Setting>(row: R): R {
  return row;
}

/** Names of the rows that are options of one server (not `processOnly`). */
export type ServerKeys<T extends SettingsTable> = {
  [K in keyof T]: T[K] extends { processOnly: true } ? never : K;
}[keyof T];

/** The table without its `processOnly` rows. */
export function serverRows<T extends SettingsTable>(table: T): Pick<T, ServerKeys<T>> {
  return Object.fromEntries(Object.entries(table).filter(([, row]) => !row.processOnly)) as Pick<
    T,
    ServerKeys<T>
  >;
}

/** Whether the flag is a `--no-<x>` switch. */
export function isNegated(row: Setting): boolean {
  return /(^|\s)--no-/.test(row.flag);
}

/** The long flag alone, e.g. `--rate-limit` for `--rate-limit <n>`. */
export function longFlag(row: Setting): string {
  return /--[a-z0-9-]+/.exec(row.flag)?.[0] ?? row.flag;
}

/** The schema without its default or optional wrapper: the type a value must have. */
export function baseSchema(schema: z.ZodType): z.ZodType {
  const def = schema.def as { type: string; innerType?: z.ZodType };
  return (def.type === 'default' || def.type === 'optional') && def.innerType
    ? baseSchema(def.innerType)
    : schema;
}

/** The default as people read it: `defaultText`, else the schema's default (`none` if empty). */
export function showDefault(row: Setting): string {
  if (row.defaultText !== undefined) return row.defaultText;
  const value: unknown = row.schema.safeParse(undefined).data;
  if (value === '' || (Array.isArray(value) && value.length === 0)) return 'none';
  if (Array.isArray(value)) return value.join(',');
  const duration = typeof value === 'number' && row.flag.endsWith('<ms>') ? inWords(value) : '';
  return duration ? `${String(value)} (${duration})` : String(value);
}

/** The allowed values of an enum setting, else undefined. */
export function choicesOf(row: Setting): readonly string[] | undefined {
  const base = baseSchema(row.schema) as z.ZodType & { options?: readonly string[] };
  return base.def.type === 'enum' ? base.options : undefined;
}

const UNITS: Array<[number, string]> = [
  [24 * 3600 * 1000, 'days'],
  [3600 * 1000, 'hours'],
  [60 * 1000, 'minutes'],
];

/** `30 days` for 2592000000 ms: a long duration in the largest whole unit, else ''. */
function inWords(ms: number): string {
  const unit = UNITS.find(([size]) => ms >= size && ms % size === 0);
  return unit ? `${ms / unit[0]} ${unit[1]}` : '';
}
