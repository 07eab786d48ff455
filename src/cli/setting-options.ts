/**
 * The command line side of a settings table: one commander option per row, grouped under the
 * row's heading in `--help` with its default and environment variable, and the flag values read
 * back for resolveSettings. Commander only collects text here: types, defaults and env vars are
 * the resolver's job, so that every error can name its source.
 */
import { Command, Option } from 'commander';
import { readConfigFile } from '../settings/config-file.js';
import { resolveSettings } from '../settings/resolve.js';
import { SETTINGS } from '../settings/table.js';
import {
  GROUPS,
  choicesOf,
  isNegated,
  showDefault,
  type Setting,
  type SettingsOf,
  type SettingsTable,
} from '../settings/setting.js';

/** Adds `--config <file>` and one option per row, in GROUPS order. */
export function addSettingOptions(command: Command, table: SettingsTable): Command {
  command.addOption(
    new Option('--config <file>', 'read settings from a JSON file (keys as in docs/settings.md)')
      .env('SWITCHBOARD_CONFIG')
      .helpGroup('General:'),
  );
  const rows = Object.entries(table).sort(
    ([, a], [, b]) => GROUPS.indexOf(a.group) - GROUPS.indexOf(b.group),
  );
  for (const [, row] of rows) {
    command.addOption(new Option(row.flag, describe(row)).helpGroup(`${row.group}:`));
  }
  return command;
}

/** The rows' values from flags, env vars, `--config` and defaults, in that precedence. */
export function settingsFrom<T extends SettingsTable>(
  command: Command,
  table: T,
  env: NodeJS.ProcessEnv = process.env,
): SettingsOf<T> {
  const flags: Record<string, string | boolean> = {};
  for (const [key, row] of Object.entries(table)) {
    // Commander names an option after its long flag: `--retain` is "retain", `--no-web` "web".
    const name = new Option(row.flag).attributeName();
    if (command.getOptionValueSource(name) === 'cli')
      flags[key] = command.getOptionValue(name) as string | boolean;
  }
  const file = command.getOptionValue('config') as string | undefined;
  // The file is serve's even for `cluster`: its keys are checked against the whole table.
  return resolveSettings(table, {
    flags,
    env,
    typed: file ? readConfigFile(file, SETTINGS) : undefined,
  });
}

/** `help (default: 8080; env: PORT)`, with the default and choices as the schema states them. */
function describe(row: Setting): string {
  if (isNegated(row)) return `${row.help} (default: on; env: ${row.env}=true turns it off)`;
  const choices = choicesOf(row);
  const extra = [
    ...(choices ? [`one of: ${choices.join(', ')}`] : []),
    `default: ${showDefault(row)}`,
    `env: ${row.env}`,
  ];
  return `${row.help} (${extra.join('; ')})`;
}
