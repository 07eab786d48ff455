/**
 * Bus between the worker processes of `switchboard serve --workers N`: the cluster primary is
 * the hub and routes each payload only to the workers subscribed to its topic, over Node's IPC
 * channel. No broker; the same interest routing and no-echo guarantees as the other buses.
 */
import type { ChildProcess } from 'node:child_process';
import { SwitchboardError } from '../errors.js';
import type { Bus, BusHandler } from './bus.js';

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
export class IpcBus implements Bus {
  private readonly subs = new Set<string>();
  private handler: BusHandler | null = null;
  private closed = false;
  private readonly acks = new Map<string, (() => void)[]>();
  private readonly onMessage = (m: unknown): void => {
    const msg = m as ToWorker;
    if (msg?.sb === 'msg' && this.subs.has(msg.topic)) this.handler?.(msg.topic, msg.payload);
    else if (msg?.sb === 'subok')
      for (const done of this.acks.get(msg.topic)?.splice(0) ?? []) done();
  };

  constructor(readonly nodeId: string) {
    if (!process.send)
      throw new SwitchboardError(
        'SB_ERR_CONFIG_INVALID',
        'the ipc bus runs only in a worker process',
      );
  }

  async start(handler: BusHandler): Promise<void> {
    this.handler = handler;
    process.on('message', this.onMessage);
  }

  private post(m: ToHub): void {
    if (this.closed || !process.connected)
      throw new SwitchboardError('SB_ERR_BACKEND_UNAVAILABLE', 'ipc bus closed');
    process.send!(m);
  }

  /** Resolves once the hub routes the topic here, so nothing published after it is missed. */
  async subscribe(topic: string): Promise<void> {
    const acked = new Promise<void>((res) => {
      const list = this.acks.get(topic) ?? [];
      list.push(res);
      this.acks.set(topic, list);
    });
    this.post({ sb: 'sub', topic });
    this.subs.add(topic);
    await acked;
  }

  async unsubscribe(topic: string): Promise<void> {
    if (this.closed || !this.subs.delete(topic)) return;
    if (process.connected) process.send!({ sb: 'unsub', topic } satisfies ToHub);
  }

  async publish(topic: string, payload: string): Promise<void> {
    this.post({ sb: 'pub', topic, payload });
  }

  ready(): boolean {
    return !this.closed && process.connected;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.handler = null;
    process.off('message', this.onMessage);
  }
}
