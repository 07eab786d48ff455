/**
 * Prometheus metrics (prom-client), exposed at /metrics.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { CoreMetrics } from '../core/chat-core.js';

export class Metrics implements CoreMetrics {
  readonly registry = new Registry();
  private readonly conns = new Gauge({
    name: 'switchboard_connections',
    help: 'Open client connections',
    registers: [this.registry],
  });
  private readonly frames = new Counter({
    name: 'switchboard_frames_in_total',
    help: 'Valid client frames received, by type',
    labelNames: ['type'],
    registers: [this.registry],
  });
  private readonly messages = new Counter({
    name: 'switchboard_messages_stored_total',
    help: 'Messages stored, by kind',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  private readonly errors = new Counter({
    name: 'switchboard_errors_total',
    help: 'Errors sent to clients or closes, by code',
    labelNames: ['code'],
    registers: [this.registry],
  });
  private readonly closes = new Counter({
    name: 'switchboard_connection_closes_total',
    help: 'Connection closes, by WebSocket close code',
    labelNames: ['code'],
    registers: [this.registry],
  });

  private readonly busMessages = new Counter({
    name: 'switchboard_bus_messages_received_total',
    help: 'Payloads received from the bus (other nodes)',
    registers: [this.registry],
  });

  private readonly pushes = new Counter({
    name: 'switchboard_push_total',
    help: 'Push notifications by outcome: sent, gone (subscription pruned), failed, dropped (queue full)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'switchboard_' });
  }

  connections(delta: number): void {
    this.conns.inc(delta);
  }
  frameIn(type: string): void {
    this.frames.inc({ type });
  }
  messageStored(kind: 'room' | 'dm'): void {
    this.messages.inc({ kind });
  }
  error(code: string): void {
    this.errors.inc({ code });
  }
  push(outcome: 'sent' | 'gone' | 'failed' | 'dropped'): void {
    this.pushes.inc({ outcome });
  }
  busIn(): void {
    this.busMessages.inc();
  }
  closed(code: number): void {
    this.closes.inc({ code: String(code) });
  }
}
