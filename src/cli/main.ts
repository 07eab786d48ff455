#!/usr/bin/env node
/**
 * `switchboard` command line: serve, chat.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { SwitchboardError } from '../errors.js';
import { registerChat } from './chat.js';
import { registerCluster } from './cluster.js';
import { registerServe } from './serve.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const program = new Command('switchboard')
  .description('Switchboard: a horizontally scalable real-time chat server')
  .version(pkg.version);
registerServe(program);
registerChat(program);
registerCluster(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof SwitchboardError) {
    process.stderr.write(`switchboard: ${err.code}: ${err.message}\n`);
  } else {
    process.stderr.write(
      `switchboard: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
  }
  process.exit(1);
});
