export * from './frames.js';
export * from './close-codes.js';
export * from './log-entry.js';
export { ERRORS, ERROR_CODES, SwitchboardError, isErrorCode } from '../errors.js';
export type { ErrorCode, ErrorSpec } from '../errors.js';
