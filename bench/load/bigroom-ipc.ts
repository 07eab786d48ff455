/**
 * Messages between the big-room runner (bench/bigroom.ts) and its client processes
 * (bench/load/bigroom-clients.ts), over the child_process IPC channel. Every command carries an
 * `id` that its answer repeats.
 */

export type BigroomCommand =
  /** Clients `[from, to)`, handle `<prefix><n>`, client `n` on node `n % urls.length`. */
  | { t: 'connect'; id: number; urls: string[]; prefix: string; from: number; to: number }
  /** One request by this process's first client (e.g. `create`); answers its reply frame. */
  | { t: 'call'; id: number; frame: Record<string, unknown> }
  /**
   * Joins and leaves of `room` by this process's clients (`skip` first ones left out), one every
   * 1000/rate ms from `startAt` (epoch ms) for `seconds`: an absolute schedule, so a late reply
   * or timer makes the next operations go at once instead of pushing the schedule back. A client
   * has one operation in flight at most; `inRoom` says where they all start.
   */
  | {
      t: 'churn';
      id: number;
      room: string;
      rate: number;
      startAt: number;
      seconds: number;
      inRoom: boolean;
      skip: number;
    }
  /** room-presence frames of `general` each watcher got in `[from, to]` and its last counts. */
  | { t: 'stats'; id: number; from: number; to: number }
  | { t: 'exit' };

export interface ChurnReport {
  t: 'churned';
  id: number;
  /** Operations scheduled (seconds × rate) and done; errors are replies of type `error`. */
  asked: number;
  ops: number;
  errors: number;
  /** Epoch ms of the first scheduled slot and of the last reply. */
  start: number;
  end: number;
  /** How late operations went out after their slot (ms): mean and max. */
  lagMeanMs: number;
  lagMaxMs: number;
  /** Round trip of a join or leave (ms): mean and max. */
  rttMeanMs: number;
  rttMaxMs: number;
  /** Of this process's churners, how many are in the room at the end. */
  inRoom: number;
}

export interface StatsReport {
  t: 'stats';
  id: number;
  watchers: number;
  /** Frames per watcher in the window: the largest and the sum over watchers. */
  framesMax: number;
  framesSum: number;
  /** Shortest time between two frames of one watcher in the window (ms). */
  minGapMs: number;
  /** Watchers with two frames less than 500 ms apart in the window. */
  shortGaps: number;
  /** Watchers by node index and last `members`/`online` seen: `[node, members, online, n]`. */
  last: [number, number, number, number][];
}

export type BigroomAnswer =
  | { t: 'connected'; id: number; clients: number }
  | { t: 'called'; id: number; reply: Record<string, unknown> }
  | ChurnReport
  | StatsReport
  | { t: 'failed'; id: number; error: string };
