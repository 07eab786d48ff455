/**
 * `npm run docs` (with gen-protocol-docs.ts): writes docs/settings.md from the settings table in
 * src/settings/table.ts and the cluster command's table. Deterministic, so
 * test/config/settings-docs.test.ts can compare the committed file with a fresh generation.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as prettier from 'prettier';
import { z } from 'zod';
import { CLUSTER_SETTINGS } from '../src/cli/cluster.js';
import {
  GROUPS,
  isNegated,
  longFlag,
  showDefault,
  type Setting,
  type SettingsTable,
} from '../src/settings/setting.js';
import { SETTINGS } from '../src/settings/table.js';
import { cell, typeOf } from './json-schema-text.js';

export const SETTINGS_MD_PATH = fileURLToPath(new URL('../docs/settings.md', import.meta.url));

const INTRO = `# Settings

_Generated from \`src/settings/table.ts\` by \`npm run docs\`; edit the table, not this file._

Every setting of \`switchboard serve\` can be given four ways. Where one is given in several, the
first of these wins:

1. a command-line flag: \`switchboard serve --rate-limit 50\`;
2. an environment variable: \`SWITCHBOARD_RATE_LIMIT=50\` (an empty variable counts as unset);
3. a key of the JSON config file named by \`--config <file>\` (or \`SWITCHBOARD_CONFIG\`);
4. the default.

The programmatic API takes the same names as options: \`startSwitchboard({ rateLimit: 50 })\`
(see the README). A bad value stops start-up with \`SB_ERR_CONFIG_INVALID\` and a message naming
where the value came from (\`--rate-limit\`, \`SWITCHBOARD_RATE_LIMIT\` or
\`switchboard.json: rateLimit\`); so does a key of the config file that is not a setting.

## Config file

A JSON object whose keys are the names below, with values of their JSON types:

\`\`\`json
{
  "port": 8080,
  "store": "postgres://chat:secret@db/chat",
  "bus": "redis://redis:6379",
  "rateLimit": 50,
  "logFormat": "json"
}
\`\`\`

Flags and environment variables read text: numbers as numbers, booleans as
\`true|false|1|0|yes|no|on|off\`, lists as comma-separated values.`;

/** `integer (0-65535)`, `"info" | "debug"`, … from the row's zod schema. */
function typeText(row: Setting): string {
  const node = z.toJSONSchema(row.schema, { io: 'input', unrepresentable: 'any' });
  return typeOf(node);
}

function flagText(row: Setting): string {
  const short = /^(-[a-z]),/.exec(row.flag)?.[1];
  return [short, longFlag(row)]
    .filter(Boolean)
    .map((f) => `\`${f}\``)
    .join(', ');
}

function envText(row: Setting): string {
  return isNegated(row) ? `\`${row.env}=true\`` : `\`${row.env}\``;
}

/** Help text in a cell: `<file>` stays text, not an HTML tag. */
const text = (help: string): string => cell(help).replace(/</g, '\\<');

function table(rows: Array<[string, Setting]>): string {
  const lines = rows.map(([name, row]) => {
    const notes = row.processOnly ? ' (not an option of `startSwitchboard`)' : '';
    const cells = [
      `\`${name}\``,
      `\`${cell(typeText(row))}\``,
      `\`${cell(showDefault(row))}\``,
      flagText(row),
      envText(row),
      text(row.help) + notes,
    ];
    return `| ${cells.join(' | ')} |`;
  });
  return [
    '| Name | Type | Default | Flag | Env var | Description |',
    '| --- | --- | --- | --- | --- | --- |',
    ...lines,
  ].join('\n');
}

function groupSections(settings: SettingsTable): string[] {
  return GROUPS.flatMap((group) => {
    const rows = Object.entries(settings).filter(([, row]) => row.group === group);
    return rows.length === 0 ? [] : [`## ${group}`, table(rows)];
  });
}

const CLUSTER_INTRO = `## \`switchboard cluster\`

\`switchboard cluster\` starts \`--nodes\` serve processes on consecutive ports. It takes these
settings, with its own defaults; every other setting reaches the nodes through the environment or
the \`--config\` file, which it passes on. \`nodes\` is not a config file key.`;

export async function generateSettingsMarkdown(): Promise<string> {
  const markdown = [
    INTRO,
    ...groupSections(SETTINGS),
    CLUSTER_INTRO,
    table(Object.entries(CLUSTER_SETTINGS)),
  ].join('\n\n');
  const config = (await prettier.resolveConfig(SETTINGS_MD_PATH)) ?? {};
  return prettier.format(markdown, { ...config, parser: 'markdown' });
}

async function main(): Promise<void> {
  writeFileSync(SETTINGS_MD_PATH, await generateSettingsMarkdown());
  console.log('wrote docs/settings.md');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
