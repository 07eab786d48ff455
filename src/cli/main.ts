#!/usr/bin/env node
/**
 * `switchboard` command line: serve, chat, cluster, admin.
 */
import { Command } from 'commander';
import { SwitchboardError } from '../errors.js';
import { registerAdmin } from './admin.js';
import { registerChat } from './chat.js';
import { registerCluster } from './cluster.js';
import { registerServe } from './serve.js';
import { VERSION } from '../version.js';

const program = new Command('switchboard')
  .description('Switchboard: a horizontally scalable real-time chat server')
  .version(VERSION);
registerServe(program);
registerChat(program);
registerCluster(program);
registerAdmin(program);

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
