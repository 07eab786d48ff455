/**
 * `--config switchboard.json`: a JSON object whose keys are the settings table's names, e.g.
 * `{ "port": 8080, "rateLimit": 50, "meshPeers": ["10.0.0.2:9080"] }`. Values have their JSON
 * types (numbers are numbers); they rank below flags and environment variables.
 */
import { readFileSync } from 'node:fs';
import { errorText } from '../backend-errors.js';
import { checkKnownKeys, invalid, type TypedSource } from './resolve.js';
import type { SettingsTable } from './setting.js';

/**
 * The file's settings as a source for resolveSettings. Throws SB_ERR_CONFIG_INVALID when the
 * file cannot be read, is not a JSON object, or has a key that is not in `table`.
 */
export function readConfigFile(path: string, table: SettingsTable): TypedSource {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw invalid(`cannot read config file ${path}: ${errorText(err)}`);
  }
  let values: unknown;
  try {
    values = JSON.parse(text);
  } catch (err) {
    throw invalid(`${path}: not valid JSON: ${errorText(err)}`);
  }
  if (typeof values !== 'object' || values === null || Array.isArray(values)) {
    throw invalid(`${path}: expected a JSON object of settings`);
  }
  const source: TypedSource = {
    describe: (key) => `${path}: ${key}`,
    values: values as Record<string, unknown>,
  };
  return checkKnownKeys(source, table);
}
