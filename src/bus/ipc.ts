/**
 * Bus between the worker processes of `switchboard serve --workers N`: the cluster primary is
 * the hub and routes each payload only to the workers subscribed to its topic, over Node's IPC
 * channel. No broker; the same guarantees as the other buses (test/bus/ipc.test.ts runs the
 * conformance suite across real worker processes). Messages on one IPC channel keep their order.
 */
import type { ChildProcess } from 'node:child_process';
import { SwitchboardError } from '../errors.js';
import { BusBase } from './bus-base.js';
import type { Bus } from './bus.js';

type ToHub =
  | { sb: 'sub'; topic: string }
  | { sb: 'unsub'; topic: string }
  | { sb: 'pub'; topic: string; payload: string };
type ToWorker = { sb: 'msg'; topic: string; payload: string } | { sb: 'subok'; topic: string };

function isToHub(m: unknown): m is ToHub {
  return typeof m === 'object' && m !== null && typeof (m as { sb?: unknown }).sb === 'string';
}

/** Runs in the primary: one per cluster. */
export class IpcHub {
  private readonly topics = new Map<string, Set<ChildProcess>>();

  attach(worker: ChildProcess): void {
    worker.on('message', (m: unknown) => {
      if (!isToHub(m)) return;
      if (m.sb === 'sub') {
        let set = this.topics.get(m.topic);
        if (!set) this.topics.set(m.topic, (set = new Set()));
        set.add(worker);
        worker.send({ sb: 'subok', topic: m.topic } satisfies ToWorker);
      } else if (m.sb === 'unsub') {
        const set = this.topics.get(m.topic);
        set?.delete(worker);
        if (set?.size === 0) this.topics.delete(m.topic);
      } else if (m.sb === 'pub') {
        const msg: ToWorker = { sb: 'msg', topic: m.topic, payload: m.payload };
        for (const w of this.topics.get(m.topic) ?? [])
          if (w !== worker && w.connected) w.send(msg);
      }
    });
    worker.once('exit', () => {
      for (const [topic, set] of this.topics) {
        set.delete(worker);
        if (set.size === 0) this.topics.delete(topic);
      }
    });
  }
}

/** Runs in a worker process. */
export class IpcBus extends BusBase implements Bus {
  /** Subscribes waiting for the hub's `subok`, per topic. */
  readonly #acks = new Map<string, (() => void)[]>();

  constructor(nodeId: string) {
    if (!process.send) {
      throw new SwitchboardError(
        'SB_ERR_CONFIG_INVALID',
        'the ipc bus runs only in a worker process',
      );
    }
    super(nodeId, { name: 'ipc' });
  }

  protected async connect(): Promise<void> {
    process.on('message', this.#onMessage);
  }

  protected async disconnect(): Promise<void> {
    process.off('message', this.#onMessage);
    // No subok can arrive any more: let waiting subscribes settle.
    for (const list of this.#acks.values()) for (const done of list) done();
    this.#acks.clear();
  }

  /** The channel to the primary; it is never re-established (a worker ends with its primary). */
  protected connected(): boolean {
    return process.connected;
  }

  /** Resolves once the hub routes the topic here, so nothing published after it is missed. */
  protected async listen(topic: string): Promise<void> {
    this.#post({ sb: 'sub', topic }); // throws while the channel is closed: nothing to wait for
    await new Promise<void>((resolve) => {
      const list = this.#acks.get(topic) ?? [];
      list.push(resolve);
      this.#acks.set(topic, list);
    });
  }

  protected async unlisten(topic: string): Promise<void> {
    this.#post({ sb: 'unsub', topic });
  }

  protected async send(topic: string, payload: string): Promise<void> {
    this.#post({ sb: 'pub', topic, payload });
  }

  #post(m: ToHub): void {
    process.send!(m);
  }

  readonly #onMessage = (m: unknown): void => {
    const msg = m as ToWorker;
    if (msg?.sb === 'msg') this.deliver(msg.topic, msg.payload);
    else if (msg?.sb === 'subok') {
      for (const done of this.#acks.get(msg.topic)?.splice(0) ?? []) done();
    }
  };
}
