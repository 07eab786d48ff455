/**
 * Server configuration: the types of the settings table (src/settings/table.ts), which is the one
 * place a setting is defined, and the validation of programmatic options against it.
 */
import { SETTINGS } from './settings/table.js';
import { checkKnownKeys, resolveSettings } from './settings/resolve.js';
import {
  serverRows,
  type ServerKeys,
  type SettingsInputOf,
  type SettingsOf,
} from './settings/setting.js';

/** Every setting of `switchboard serve`, defaults applied. */
export type Settings = SettingsOf<typeof SETTINGS>;
/** Every setting of `switchboard serve`, each optional: the shape of a config file. */
export type SettingsInput = SettingsInputOf<typeof SETTINGS>;

/** The settings of one server: all but the process-level ones (`workers`). */
export const SERVER_SETTINGS = serverRows(SETTINGS);
export type Config = Pick<Settings, ServerKeys<typeof SETTINGS>>;
/** The programmatic options of one server, each optional. */
export type ConfigInput = Pick<SettingsInput, ServerKeys<typeof SETTINGS>>;

/**
 * Programmatic options checked and completed with defaults; throws SB_ERR_CONFIG_INVALID naming
 * each bad or unknown option (`options.rateLimit`).
 */
export function parseConfig(input: ConfigInput): Config {
  const source = checkKnownKeys(
    { describe: (key) => `options.${key}`, values: input },
    SERVER_SETTINGS,
  );
  return resolveSettings(SERVER_SETTINGS, { typed: source });
}
