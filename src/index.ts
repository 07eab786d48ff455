/**
 * Switchboard's programmatic API: start a node with the settings of `switchboard serve`, plug in
 * your own seams, stop it gracefully. The client SDK is `switchboard/client`.
 */
export { startSwitchboard } from './server/start-switchboard.js';
export type {
  RunningSwitchboard,
  SwitchboardOptions,
  SwitchboardParts,
} from './server/start-switchboard.js';

// The seams one may implement, with the types their methods take and return.
export type { Authenticator, Credentials, Identity } from './auth/authenticator.js';
export type { Bus, BusHandler, ReconnectHandler } from './bus/bus.js';
export type { Presence, PresenceHandler } from './presence/presence.js';
export type {
  AppendResult,
  ChannelHead,
  ChannelKind,
  MemberPosition,
  Membership,
  NewMessage,
  ReadQuery,
  RoomSummary,
  Store,
  StoredMessage,
} from './store/store.js';
export type { StoreBackend } from './store/index.js';
export type { Session, SessionStore } from './auth/session-store.js';
export type { Account, AccountStore, DeviceSession } from './auth/account-store.js';
export type { Logger } from './logger.js';

export { ERRORS, ERROR_CODES, SwitchboardError, isErrorCode } from './errors.js';
export type { ErrorCode } from './errors.js';
