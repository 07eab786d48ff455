/**
 * Running a command as a user with no socket (issue 9): the HTTP API, webhooks' actions and the
 * admin console call `ChatCore.runAs`, which runs the very handler a socket frame would run, on
 * a connection whose transport writes nowhere. So the permission table, the stores and the bus
 * see exactly what a socket command does, and every node hears of it the same way.
 *
 * A headless connection is never in the directory's users: it is not online, gets no live
 * frames (a join subscribes the user's real connections, not it) and is dropped after the
 * command.
 */
import type { ClientFrame } from '../protocol/frames.js';
import type { TransportConnection } from '../transport/transport.js';

/** Who a headless command runs as: a handle and its server roles (`admin`: a server admin). */
export interface HeadlessActor {
  user: string;
  roles?: readonly string[];
}

/**
 * The frame of a headless command, without `id` (there is no reply frame). Commands bound to a
 * connection's life (hello, refresh, resume, typing, ping) cannot run headless.
 */
export type HeadlessFrame = DistributiveOmit<
  Exclude<ClientFrame, { type: 'hello' | 'refresh' | 'resume' | 'typing' | 'ping' | 'pong' }>,
  'id'
>;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export const HEADLESS_REFUSED: readonly string[] = [
  'hello',
  'refresh',
  'resume',
  'typing',
  'ping',
  'pong',
];

/** The transport of a headless connection: whatever the command writes goes nowhere. */
export const HEADLESS_TRANSPORT: TransportConnection = {
  remoteAddress: 'headless',
  bufferedAmount: 0,
  send: () => {},
  close: () => {},
};
