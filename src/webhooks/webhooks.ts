/**
 * A node's webhook parts, built from the settings: the EventSink the core reports to (the event
 * log writer), the deliverers (the dispatcher), the log's retention, and the before-send hook.
 * `--webhooks` off: no event log and no delivery; the before-send hook is independent of it.
 */
import type { Config } from '../config.js';
import type { BeforeSend, EventSink } from '../core/event-sink.js';
import type { Logger } from '../logger.js';
import { AllowList } from '../net/address-policy.js';
import type { WebhookStore } from '../store/store.js';
import { HttpBeforeSend } from './before-send.js';
import { WebhookDispatcher } from './dispatcher.js';
import { EventLogWriter } from './event-log-writer.js';
import { EventLogRetention } from './retention.js';

/** Events held ahead of a subscription's cursor, and requests per subscription, at most. */
const WINDOW = 1000;
const PER_SUBSCRIPTION = 16;
const MAX_RETRY_MS = 300_000;
const POLL_MS = 250;

export type WebhookSettings = Pick<
  Config,
  | 'webhooks'
  | 'webhookAllow'
  | 'webhookTimeoutMs'
  | 'webhookRetryMs'
  | 'webhookDeadAfterMs'
  | 'webhookConcurrency'
  | 'webhookLeaseMs'
  | 'webhookRetentionMs'
  | 'beforeSendUrl'
  | 'beforeSendSecret'
  | 'beforeSendTimeoutMs'
  | 'beforeSendFail'
>;

export class Webhooks {
  readonly allow: AllowList;
  readonly writer: EventLogWriter | null;
  readonly dispatcher: WebhookDispatcher | null;
  readonly beforeSend: BeforeSend | null;
  readonly retention: EventLogRetention | null;

  constructor(settings: WebhookSettings, store: WebhookStore, node: string, logger: Logger) {
    this.allow = new AllowList(settings.webhookAllow);
    this.dispatcher = settings.webhooks
      ? new WebhookDispatcher({
          store,
          node,
          logger,
          concurrency: settings.webhookConcurrency,
          leaseMs: settings.webhookLeaseMs,
          delivery: {
            allow: this.allow,
            timeoutMs: settings.webhookTimeoutMs,
            retryMs: settings.webhookRetryMs,
            maxRetryMs: MAX_RETRY_MS,
            deadAfterMs: settings.webhookDeadAfterMs,
            window: WINDOW,
            perSubscription: PER_SUBSCRIPTION,
            pollMs: POLL_MS,
          },
        })
      : null;
    const dispatcher = this.dispatcher;
    this.writer = settings.webhooks
      ? new EventLogWriter({ store, logger, appended: () => dispatcher?.wake() })
      : null;
    this.retention = settings.webhooks
      ? new EventLogRetention({ store, logger, retentionMs: settings.webhookRetentionMs })
      : null;
    this.beforeSend = settings.beforeSendUrl
      ? new HttpBeforeSend({
          url: settings.beforeSendUrl,
          secret: settings.beforeSendSecret,
          timeoutMs: settings.beforeSendTimeoutMs,
          fail: settings.beforeSendFail,
          allow: this.allow,
          logger,
        })
      : null;
  }

  get events(): EventSink | undefined {
    return this.writer ?? undefined;
  }

  start(): void {
    this.dispatcher?.start();
    this.retention?.start();
  }

  async close(): Promise<void> {
    await Promise.all([this.dispatcher?.close(), this.retention?.close()]);
    // Bounded: a store that is down does not hold the shutdown.
    if (this.writer) {
      await Promise.race([this.writer.flushed(), new Promise((r) => setTimeout(r, 2000).unref())]);
      this.writer.close();
    }
  }
}
