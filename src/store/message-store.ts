/**
 * The message log seam: per-channel, sequenced, idempotent appends and paged reads.
 *
 * Guarantees every implementation gives (checked by test/store/conformance.ts):
 * - `append` assigns per-channel sequence numbers that are gapless and strictly increasing,
 *   starting at 1, even with concurrent writers in several processes sharing the store.
 * - `append` is idempotent per (channel, from, cid): a repeat returns the stored message with
 *   `duplicate: true` and assigns no sequence number, even when the repeats race.
 * - Messages are durable once `append` resolves (within the backend's durability setting).
 * - Retention may drop the oldest messages of a channel; `head().firstSeq` then moves forward.
 *   Sequence numbers are never reused.
 * - Backend failures reject with a SwitchboardError (SB_ERR_STORE_UNAVAILABLE) whose `cause` is
 *   the driver error.
 */

export interface StoredMessage {
  channel: string;
  seq: number;
  cid: string;
  from: string;
  text: string;
  /** Milliseconds since the epoch, assigned by the server. */
  ts: number;
  /**
   * Set on a delete event: this log entry removes message `deletes` of the channel (its own
   * `text` is empty). Clients hide that message; history and replays carry both entries.
   */
  deletes?: number;
}

export interface NewMessage {
  channel: string;
  cid: string;
  from: string;
  text: string;
  ts: number;
  /**
   * Set on a delete event: this log entry removes message `deletes` of the channel (its own
   * `text` is empty). Clients hide that message; history and replays carry both entries.
   */
  deletes?: number;
}

export interface AppendResult {
  message: StoredMessage;
  duplicate: boolean;
}

export interface ChannelHead {
  /** Highest sequence number assigned; 0 for an empty channel. */
  lastSeq: number;
  /** Oldest retained sequence number; lastSeq + 1 when nothing is retained. */
  firstSeq: number;
}

export interface ReadQuery {
  /** Messages with seq > after, oldest first. */
  after?: number;
  /** Messages with seq < before, the newest `limit` of them, returned oldest first. */
  before?: number;
  limit: number;
}

export interface MessageStore {
  /** Store a message in an existing channel. Rejects SB_ERR_CHANNEL_INVALID for no such channel. */
  append(message: NewMessage): Promise<AppendResult>;
  /** A page of messages in ascending seq order. With neither bound: the newest `limit`. */
  read(channel: string, query: ReadQuery): Promise<StoredMessage[]>;
  /** Position of a channel, or null when it does not exist. */
  head(channel: string): Promise<ChannelHead | null>;
}
