/**
 * One worker process of test/bus/ipc.test.ts: it runs a real IpcBus, which talks to the IpcHub
 * of the test process over this process's IPC channel, and obeys the test's commands that
 * arrive on the same channel (the hub ignores them: they carry no `sb` field).
 *
 * Every report carries `ready()` as the worker sees it, so the test's stand-in can answer
 * `ready()` synchronously. A delivery is marked `afterClose` when the handler ran after
 * `close()` was called here, which the Bus contract forbids.
 */
import { IpcBus } from '../../src/bus/ipc.js';

/** One Bus call. */
export type Request =
  | { op: 'start' | 'close' }
  | { op: 'subscribe' | 'unsubscribe'; topic: string }
  | { op: 'publish'; topic: string; payload: string };

/** A call as sent: `rpc` pairs it with its reply. */
export type Command = Request & { rpc: number };

export interface Failure {
  code: string | undefined;
  message: string;
  /** The rejection carried an Error as `cause`. */
  caused: boolean;
}

export type Report =
  | { ev: 'hello'; ready: boolean }
  | { ev: 'reply'; rpc: number; ready: boolean; failure: Failure | null }
  | { ev: 'msg'; topic: string; payload: string; afterClose: boolean }
  | { ev: 'reconnect' };

const report = (r: Report): void => void process.send!(r);
const bus = new IpcBus(process.argv[2]!);
let closeCalled = false;

async function run(cmd: Command): Promise<void> {
  switch (cmd.op) {
    case 'start':
      return bus.start(
        (topic, payload) => report({ ev: 'msg', topic, payload, afterClose: closeCalled }),
        () => report({ ev: 'reconnect' }),
      );
    case 'subscribe':
      return bus.subscribe(cmd.topic);
    case 'unsubscribe':
      return bus.unsubscribe(cmd.topic);
    case 'publish':
      return bus.publish(cmd.topic, cmd.payload);
    case 'close':
      closeCalled = true;
      return bus.close();
  }
}

process.on('message', (m: unknown) => {
  const cmd = m as Command;
  if (typeof cmd?.rpc !== 'number') return; // the hub's traffic, for the IpcBus
  // Called synchronously in arrival order, so publishes leave in the order the test sent them.
  run(cmd).then(
    () => report({ ev: 'reply', rpc: cmd.rpc, ready: bus.ready(), failure: null }),
    (err: { code?: string; message?: string; cause?: unknown }) => {
      const failure = {
        code: err.code,
        message: String(err.message),
        caused: err.cause instanceof Error,
      };
      report({ ev: 'reply', rpc: cmd.rpc, ready: bus.ready(), failure });
    },
  );
});
report({ ev: 'hello', ready: bus.ready() });
