/**
 * Log lines for people and for machines: `--log-format pretty` (and `auto` on a terminal) prints
 * readable lines led by the page's address; `json` (and `auto` into a pipe) stays one JSON
 * object a line. Both keep every line up to the process's exit.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, test } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import { readableMessage } from '../../src/server/pino-logger.js';
import { VERSION } from '../../src/version.js';

const MAIN = resolve(import.meta.dirname, '../../src/cli/main.ts');
const SERVE = ['serve', '--host', '127.0.0.1', '--port', '0', '--store', 'memory:'];

/** `script` runs a command under a pseudo-terminal; CI must have it, elsewhere a visible skip. */
const script = spawnSync('script', ['--version']).status === 0;
const noScript = script ? false : 'util-linux `script` is not installed';
if (!script && process.env.CI === 'true') throw new Error(`${noScript} (required under CI)`);

/**
 * Starts `serve` with stdout piped, waits for a line matching `ready`, sends SIGTERM and resolves
 * every stdout line once the process has exited.
 */
async function linesUntilExit(args: string[], ready: RegExp): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...SERVE, ...args], {
    env: { ...process.env, PORT: '', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  // Generous: the machine may be busy; a kill here shows as a null exit code below.
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    if (ready.test(line)) child.kill('SIGTERM');
  });
  assert.equal(await exited, 0, `exit status; stdout:\n${lines.join('\n')}`);
  clearTimeout(timer);
  return lines;
}

describe('readableMessage', () => {
  test('leads a listening line with the address and leaves out what the address says', () => {
    const line = readableMessage({
      level: 30,
      time: 1,
      pid: 7,
      version: '1.2.3',
      port: 8080,
      url: 'http://localhost:8080',
      ws: 'ws://localhost:8080/ws',
      node: 'n1',
      msg: 'listening',
    });
    assert.equal(
      line,
      'Switchboard 1.2.3 listening: http://localhost:8080 (chat page), ws://localhost:8080/ws node=n1',
    );
  });

  test('shows other fields as key=value and an error with its stack on the lines below', () => {
    const line = readableMessage({
      msg: 'gap repair failed',
      channel: 'room:a',
      seq: 3,
      err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at x' },
    });
    assert.equal(line, 'gap repair failed channel=room:a seq=3\n    Error: boom\n        at x');
  });
});

describe('serve --log-format', () => {
  test('pretty prints readable lines, the address first, and keeps them up to exit', async () => {
    const lines = await linesUntilExit(['--log-format', 'pretty'], /listening/);
    const address = new RegExp(
      `Switchboard ${VERSION.replace(/\./g, '\\.')} listening: http://127\\.0\\.0\\.1:(\\d+) \\(chat page\\), ws://127\\.0\\.0\\.1:\\1/ws`,
    );
    assert.match(lines[0] ?? '', address);
    assert.match(lines.at(-1) ?? '', /INFO.*: stopped$/);
    for (const line of lines) assert.ok(!line.startsWith('{'), `not JSON: ${line}`);
  });

  test('json keeps one JSON object a line, with the address as fields', async () => {
    const lines = await linesUntilExit(['--log-format', 'json'], /"listening"/);
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const listening = records.find((r) => r.msg === 'listening');
    assert.ok(listening);
    assert.equal(listening.version, VERSION);
    assert.equal(listening.url, `http://127.0.0.1:${String(listening.port)}`);
    assert.equal(listening.ws, `ws://127.0.0.1:${String(listening.port)}/ws`);
    assert.equal(records.at(-1)?.msg, 'stopped');
  });

  test('auto prints JSON into a pipe', async () => {
    const lines = await linesUntilExit([], /"listening"/);
    assert.ok(lines.length > 0);
    for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), line);
  });

  test('auto prints readable lines on a terminal', { skip: noScript }, async () => {
    const command = [process.execPath, '--import', 'tsx', MAIN, ...SERVE].join(' ');
    const child = spawn('script', ['-qc', `exec ${command}`, '/dev/null'], {
      env: { ...process.env, PORT: '' },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let out = '';
    const exited = new Promise((r) => child.once('exit', r));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    await new Promise<void>((res) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('listening')) res();
      });
      child.once('exit', () => res());
    });
    child.kill('SIGTERM');
    await exited;
    clearTimeout(timer);
    const plain = stripVTControlCharacters(out);
    assert.match(plain, /INFO: Switchboard \S+ listening: http:\/\/127\.0\.0\.1:\d+ \(chat page\)/);
    assert.doesNotMatch(plain, /"msg"/);
  });
});
