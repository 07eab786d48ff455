/** The settings table and its resolver: precedence, text parsing, and errors that name sources. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Command } from 'commander';
import { parseConfig, type ConfigInput } from '../../src/config.js';
import { SwitchboardError } from '../../src/errors.js';
import { readConfigFile } from '../../src/settings/config-file.js';
import { resolveSettings, type SettingSources } from '../../src/settings/resolve.js';
import { GROUPS, longFlag, showDefault } from '../../src/settings/setting.js';
import { SETTINGS } from '../../src/settings/table.js';
import { addSettingOptions, settingsFrom } from '../../src/cli/setting-options.js';

const dir = mkdtempSync(join(tmpdir(), 'sb-settings-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const resolve = (sources: SettingSources) => resolveSettings(SETTINGS, sources);

/** The SwitchboardError `fn` throws; fails when it throws nothing or something else. */
function configError(fn: () => unknown): SwitchboardError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SwitchboardError, `expected a SwitchboardError, got ${String(err)}`);
    assert.equal(err.code, 'SB_ERR_CONFIG_INVALID');
    return err;
  }
  assert.fail('expected SB_ERR_CONFIG_INVALID');
}

describe('the settings table', () => {
  test('gives every row a flag, an env var, a known group and help text', () => {
    const flags = new Set<string>();
    const envs = new Set<string>();
    for (const [name, row] of Object.entries(SETTINGS)) {
      assert.match(longFlag(row), /^--[a-z0-9-]+$/, name);
      assert.ok(GROUPS.includes(row.group), `${name} has group ${row.group}`);
      assert.ok(row.help.length > 0, `${name} has help`);
      flags.add(longFlag(row));
      envs.add(row.env);
    }
    const count = Object.keys(SETTINGS).length;
    assert.equal(flags.size, count, 'no two settings share a flag');
    assert.equal(envs.size, count, 'no two settings share an env var');
  });

  test('keeps the flag and env var names that scripts outside the tests rely on', () => {
    assert.equal(SETTINGS.port.env, 'PORT');
    assert.equal(longFlag(SETTINGS.retainPerChannel), '--retain');
    assert.equal(SETTINGS.retainPerChannel.env, 'SWITCHBOARD_RETAIN');
    assert.equal(longFlag(SETTINGS.web), '--no-web');
    assert.equal(SETTINGS.web.env, 'SWITCHBOARD_NO_WEB');
    assert.equal(longFlag(SETTINGS.maxMessageBytes), '--max-message-bytes');
  });

  test('shows a computed default in words and a long duration with its unit', () => {
    assert.equal(showDefault(SETTINGS.store), '<data-dir>/switchboard.db');
    assert.equal(showDefault(SETTINGS.sessionTtl), '2592000000 (30 days)');
    assert.equal(showDefault(SETTINGS.meshPeers), 'none');
  });
});

describe('resolveSettings', () => {
  test('fills every setting with its default when no source gives it', () => {
    const s = resolve({});
    assert.equal(s.port, 8080);
    assert.equal(s.rateLimit, 20);
    assert.equal(s.web, true);
    assert.deepEqual(s.meshPeers, []);
    assert.equal(s.nodeId, undefined);
    assert.equal(s.logFormat, 'auto');
  });

  test('ranks a flag over an env var over the config file over the default', () => {
    const typed = {
      describe: (k: string) => `f.json: ${k}`,
      values: { rateLimit: 3, rateBurst: 7 },
    };
    const env = { SWITCHBOARD_RATE_LIMIT: '2', SWITCHBOARD_RATE_BURST: '6' };
    assert.equal(resolve({ flags: { rateLimit: '1' }, env, typed }).rateLimit, 1);
    assert.equal(resolve({ env, typed }).rateLimit, 2);
    assert.equal(resolve({ typed }).rateLimit, 3);
    assert.equal(resolve({ flags: { rateLimit: '1' }, typed }).rateBurst, 7);
  });

  test('treats an empty env var as unset', () => {
    assert.equal(resolve({ env: { PORT: '' } }).port, 8080);
    assert.equal(resolve({ env: { PORT: '' }, flags: {} }).port, 8080);
  });

  test('reads numbers, booleans and lists from text', () => {
    const s = resolve({
      flags: { rateLimit: '0.5', meshPeers: 'a:1, b:2' },
      env: { SWITCHBOARD_NO_WEB: 'yes' },
    });
    assert.equal(s.rateLimit, 0.5);
    assert.equal(s.web, false);
    assert.deepEqual(s.meshPeers, ['a:1', 'b:2']);
    assert.equal(resolve({ env: { SWITCHBOARD_NO_WEB: 'false' } }).web, true);
    assert.equal(resolve({ flags: { web: false } }).web, false);
  });

  test('reads --mesh-peers @file one address a line, skipping comments', () => {
    const peers = file('peers.txt', '# the peers\na:1\nb:2\n');
    assert.deepEqual(resolve({ flags: { meshPeers: `@${peers}` } }).meshPeers, ['a:1', 'b:2']);
  });

  test('names the flag of a bad flag value with SB_ERR_CONFIG_INVALID', () => {
    const err = configError(() => resolve({ flags: { rateLimit: '0' } }));
    assert.match(err.message, /--rate-limit: /);
  });

  test('names the env var of a bad env value', () => {
    const err = configError(() => resolve({ env: { SWITCHBOARD_RATE_LIMIT: 'fast' } }));
    assert.match(err.message, /SWITCHBOARD_RATE_LIMIT: not a number/);
    assert.match(configError(() => resolve({ env: { PORT: '70000' } })).message, /\bPORT: /);
  });

  test('names the file and key of a bad file value', () => {
    const typed = { describe: (k: string) => `sb.json: ${k}`, values: { port: '8080' } };
    assert.match(configError(() => resolve({ typed })).message, /sb\.json: port: /);
  });

  test('reports every bad value at once, each with its own source', () => {
    const err = configError(() =>
      resolve({
        flags: { port: 'x' },
        env: { SWITCHBOARD_LOG_LEVEL: 'loud', SWITCHBOARD_NO_WEB: 'maybe' },
      }),
    );
    assert.match(err.message, /--port: /);
    assert.match(err.message, /SWITCHBOARD_LOG_LEVEL: /);
    assert.match(err.message, /SWITCHBOARD_NO_WEB: /);
  });

  test('names the flag when a @file of --mesh-peers cannot be read', () => {
    const err = configError(() => resolve({ flags: { meshPeers: `@${join(dir, 'none')}` } }));
    assert.match(err.message, /--mesh-peers: /);
  });
});

describe('readConfigFile', () => {
  test('reads a JSON object of settings that resolveSettings ranks below env vars', () => {
    const path = file('ok.json', { port: 9000, logLevel: 'warn', meshPeers: ['a:1'] });
    const s = resolve({ typed: readConfigFile(path, SETTINGS), env: { PORT: '9001' } });
    assert.equal(s.port, 9001);
    assert.equal(s.logLevel, 'warn');
    assert.deepEqual(s.meshPeers, ['a:1']);
  });

  test('rejects a key that is not a setting, naming the file and the key', () => {
    const path = file('unknown.json', { port: 1, rateLimt: 5 });
    const err = configError(() => readConfigFile(path, SETTINGS));
    assert.ok(err.message.includes(`${path}: rateLimt: unknown setting`), err.message);
  });

  test('rejects a missing file, invalid JSON and a non-object, naming the file', () => {
    for (const path of [
      join(dir, 'missing.json'),
      file('bad.json', '{ "port": 80,'),
      file('array.json', [1]),
    ]) {
      assert.ok(configError(() => readConfigFile(path, SETTINGS)).message.includes(path), path);
    }
  });
});

describe('parseConfig (programmatic options)', () => {
  test('completes options with the defaults', () => {
    const config = parseConfig({ port: 0, store: 'memory:' });
    assert.equal(config.port, 0);
    assert.equal(config.maxFrameBytes, 65_536);
  });

  test('names a bad option as options.<name>', () => {
    assert.match(configError(() => parseConfig({ rateBurst: 0 })).message, /options\.rateBurst: /);
  });

  test('rejects an unknown option and the process-level workers setting', () => {
    const input = { workers: 2, colour: 'red' } as unknown as ConfigInput;
    const err = configError(() => parseConfig(input));
    assert.match(err.message, /options\.workers: unknown setting/);
    assert.match(err.message, /options\.colour: unknown setting/);
  });
});

describe('the command line side', () => {
  const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
    let result: ReturnType<typeof settingsFrom<typeof SETTINGS>> | undefined;
    const command = addSettingOptions(new Command('serve'), SETTINGS)
      .exitOverride()
      .action((_o: unknown, cmd: Command) => {
        result = settingsFrom(cmd, SETTINGS, env);
      });
    command.parse(argv, { from: 'user' });
    assert.ok(result);
    return result;
  };

  test('maps flags to settings by name, --retain and --no-web included', () => {
    const s = parse(['--retain', '5', '--no-web', '-p', '1234', '--mesh-peers', 'a:1,b:2']);
    assert.equal(s.retainPerChannel, 5);
    assert.equal(s.web, false);
    assert.equal(s.port, 1234);
    assert.deepEqual(s.meshPeers, ['a:1', 'b:2']);
  });

  test('reads --config and ranks it below flags and env vars', () => {
    const path = file('cli.json', { rateLimit: 3, rateBurst: 7, floodLimit: 9 });
    const s = parse(['--config', path, '--rate-limit', '1'], { SWITCHBOARD_RATE_BURST: '6' });
    assert.deepEqual([s.rateLimit, s.rateBurst, s.floodLimit], [1, 6, 9]);
  });

  test('groups --help by the table and shows defaults and env vars derived from it', () => {
    const help = addSettingOptions(new Command('serve'), SETTINGS).helpInformation();
    for (const group of GROUPS) assert.match(help, new RegExp(`^${group}:$`, 'm'));
    assert.match(help, /--rate-limit <n>[\s\S]*?\(default: 20; env:\s+SWITCHBOARD_RATE_LIMIT\)/);
    assert.match(help, /--store <url>[\s\S]*?postgres:\/\//);
    assert.match(help, /--config <file>/);
  });
});
