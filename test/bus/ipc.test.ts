/**
 * The IPC bus of `serve --workers N` under the bus conformance suite, in real processes: each
 * node of a case is a forked child process running IpcBus (test/bus/ipc-worker.ts), and this
 * test process is the cluster primary, with the IpcHub attached to every child exactly as
 * src/cli/workers.ts attaches it to node:cluster workers (a cluster worker is a forked child
 * with the same IPC channel). The suite drives each child through a stand-in Bus that forwards
 * calls over that channel and reports back what the child's IpcBus did.
 *
 * The worker is bundled once with esbuild (the transform tsx uses), so that each of the ~40
 * forks starts plain node instead of loading tsx again (about half the start-up time here).
 *
 * No restart, kill or unreachable hooks: the "backend" is the primary itself, and a worker
 * whose primary is gone is ended with it; an IpcBus outside a worker is refused at
 * construction (SB_ERR_CONFIG_INVALID), not at start.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Bus, BusHandler, ReconnectHandler } from '../../src/bus/bus.js';
import { IpcHub } from '../../src/bus/ipc.js';
import { busConformance } from './conformance.js';
import type { Command, Failure, Report, Request } from './ipc-worker.js';

const dir = mkdtempSync(join(tmpdir(), 'sb-ipc-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const WORKER = join(dir, 'ipc-worker.mjs');
await build({
  entryPoints: [fileURLToPath(new URL('./ipc-worker.ts', import.meta.url))],
  outfile: WORKER,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'inline',
  logLevel: 'warning',
});

type Pending = { resolve: () => void; reject: (err: Error) => void };

/** Stands in for the IpcBus of one child process. */
class WorkerNode implements Bus {
  #ready = false;
  #handler: BusHandler | null = null;
  #onReconnect: ReconnectHandler | undefined;
  /** Set when the suite called close; deliveries the child made before its close are dropped. */
  #closing = false;
  #rpc = 0;
  readonly #pending = new Map<number, Pending>();

  private constructor(
    readonly nodeId: string,
    readonly child: ChildProcess,
  ) {
    child.on('message', (m: Report) => this.#onReport(m));
  }

  /** Forks the child, attaches it to the hub and waits until its IpcBus exists. */
  static async fork(nodeId: string, hub: IpcHub): Promise<WorkerNode> {
    const child = fork(WORKER, [nodeId], { execArgv: [] });
    hub.attach(child);
    const node = new WorkerNode(nodeId, child);
    const [hello] = (await once(child, 'message')) as [Report];
    if (hello.ev !== 'hello') throw new Error(`worker ${nodeId} said ${hello.ev} first`);
    node.#ready = hello.ready;
    return node;
  }

  start(handler: BusHandler, onReconnect?: ReconnectHandler): Promise<void> {
    this.#handler = handler;
    this.#onReconnect = onReconnect;
    return this.#call({ op: 'start' });
  }
  subscribe = (topic: string): Promise<void> => this.#call({ op: 'subscribe', topic });
  unsubscribe = (topic: string): Promise<void> => this.#call({ op: 'unsubscribe', topic });
  publish = (topic: string, payload: string): Promise<void> =>
    this.#call({ op: 'publish', topic, payload });
  ready = (): boolean => this.#ready;
  close(): Promise<void> {
    this.#closing = true;
    return this.#call({ op: 'close' });
  }

  async exit(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill();
    await exited;
  }

  #call(request: Request): Promise<void> {
    const rpc = ++this.#rpc;
    return new Promise<void>((resolve, reject) => {
      this.#pending.set(rpc, { resolve, reject });
      this.child.send({ ...request, rpc } satisfies Command);
    });
  }

  #onReport(report: Report): void {
    switch (report.ev) {
      case 'reply': {
        this.#ready = report.ready;
        const pending = this.#pending.get(report.rpc)!;
        this.#pending.delete(report.rpc);
        if (report.failure) pending.reject(rebuild(report.failure));
        else pending.resolve();
        break;
      }
      case 'msg':
        // A delivery after the child's close is a violation: pass it on for the suite to see.
        if (!this.#closing || report.afterClose) this.#handler?.(report.topic, report.payload);
        break;
      case 'reconnect':
        this.#onReconnect?.();
        break;
    }
  }
}

/** The child's rejection, with its code and (as a marker) a cause when it had one. */
function rebuild(failure: Failure): Error {
  const cause = failure.caused ? new Error('the cause, in the worker process') : undefined;
  return Object.assign(new Error(failure.message, { cause }), { code: failure.code });
}

let hub = new IpcHub();
let nodes: WorkerNode[] = [];

busConformance('IpcBus across worker processes', {
  async create(nodeId) {
    const node = await WorkerNode.fork(nodeId, hub);
    nodes.push(node);
    return node;
  },
  async cleanup() {
    await Promise.all(nodes.map((node) => node.exit()));
    nodes = [];
    hub = new IpcHub();
  },
});
