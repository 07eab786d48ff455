/**
 * Every inbound text frame passes here: JSON, rate limit, frame type, protocol version, schema,
 * authentication, drain state. What passes runs as a command; its result or error goes back as
 * a reply or error frame with the frame's id. A misbehaving client gets coded errors, and a
 * closed connection when it floods or speaks another protocol version.
 */
import { SwitchboardError, type ErrorCode } from '../errors.js';
import type { Logger } from '../logger.js';
import { CLIENT_FRAME_TYPES, ClientFrame, PROTOCOL_VERSION } from '../protocol/frames.js';
import { CloseCode } from '../protocol/close-codes.js';
import type { CoreMetrics } from './core-metrics.js';
import type { CommandContext, CommandType, Handler } from './commands/context.js';
import type { ClientConnection } from './connection.js';
import { NO_REPLY, encodeError, encodeReply, type RequestId } from './wire.js';

export interface GateOptions {
  commands: { [T in CommandType]: Handler<T> };
  context: CommandContext;
  metrics: CoreMetrics;
  logger: Logger;
  /** Frames rejected in a row before the connection is closed for flooding. */
  floodLimit: number;
  now(): number;
  draining(): boolean;
}

export class FrameGate {
  /** Commands started and not yet answered (drain waits for them). */
  inflight = 0;

  constructor(private readonly opts: GateOptions) {}

  onText(conn: ClientConnection, text: string): void {
    if (conn.closed) return;
    // Monotonic, and cheap enough to take for every frame: parsing counts in a send's latency.
    const arrived = performance.now();
    conn.lastSeen = this.opts.now();
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return this.sendError(conn, new SwitchboardError('SB_ERR_BAD_JSON'));
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      return this.sendError(
        conn,
        new SwitchboardError('SB_ERR_BAD_FRAME', 'frame must be a JSON object'),
      );
    }
    const obj = raw as Record<string, unknown>;
    const id = readableId(obj.id);
    if (obj.type === 'pong') return;
    if (!this.admit(conn, id)) return;
    if (typeof obj.type !== 'string' || !(CLIENT_FRAME_TYPES as string[]).includes(obj.type)) {
      return this.sendError(conn, new SwitchboardError('SB_ERR_UNKNOWN_TYPE'), id);
    }
    if (obj.type === 'hello' && obj.protocol !== PROTOCOL_VERSION) {
      this.sendError(conn, new SwitchboardError('SB_ERR_PROTOCOL_VERSION'), id);
      return this.closeWith(conn, CloseCode.PROTOCOL_VERSION, 'SB_ERR_PROTOCOL_VERSION');
    }
    const parsed = ClientFrame.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue
        ? `${issue.path.join('.') || 'frame'}: ${issue.message}`
        : 'invalid frame';
      return this.sendError(
        conn,
        new SwitchboardError('SB_ERR_BAD_FRAME', where.slice(0, 200)),
        id,
      );
    }
    const frame = parsed.data;
    this.opts.metrics.frameIn(frame.type);
    if (frame.type === 'pong') return;
    if (this.opts.draining()) {
      return this.sendError(conn, new SwitchboardError('SB_ERR_SHUTTING_DOWN'), frame.id);
    }
    if (frame.type !== 'hello' && conn.user === null) {
      return this.sendError(conn, new SwitchboardError('SB_ERR_NOT_AUTHENTICATED'), frame.id);
    }
    this.run(conn, frame, arrived);
  }

  /**
   * Rate limit, per connection and per user (the user's connections on this node share one
   * budget): a frame over either is refused with retryAfter; floodLimit refusals in a row close.
   */
  private admit(conn: ClientConnection, id: RequestId | undefined): boolean {
    const wait =
      conn.takeToken() ||
      (conn.user === null ? 0 : this.opts.context.directory.takeUserToken(conn.user));
    if (wait === 0) {
      conn.rejections = 0;
      return true;
    }
    this.sendError(
      conn,
      new SwitchboardError('SB_ERR_RATE_LIMITED', undefined, { retryAfter: wait }),
      id,
    );
    if (++conn.rejections >= this.opts.floodLimit)
      this.closeWith(conn, CloseCode.FLOOD, 'SB_ERR_FLOOD');
    return false;
  }

  /**
   * Runs a frame that passed elsewhere (a headless command: see ./headless.ts) and resolves its
   * reply's data, or rejects with the command's error; counted like a socket command.
   */
  async execute(
    conn: ClientConnection,
    frame: Exclude<ClientFrame, { type: 'pong' }>,
  ): Promise<unknown> {
    if (this.opts.draining()) throw new SwitchboardError('SB_ERR_SHUTTING_DOWN');
    const handler = this.opts.commands[frame.type] as Handler<CommandType>;
    this.opts.metrics.frameIn(frame.type);
    this.inflight++;
    try {
      const data = await handler(this.opts.context, conn, frame);
      return data === NO_REPLY ? undefined : data;
    } catch (err) {
      if (!(err instanceof SwitchboardError))
        this.opts.logger.error({ err, type: frame.type }, 'command failed');
      this.count(err);
      throw err;
    } finally {
      this.inflight--;
    }
  }

  /** `arrived`: performance.now() when the frame reached onText (a send's latency starts there). */
  private run(
    conn: ClientConnection,
    frame: Exclude<ClientFrame, { type: 'pong' }>,
    arrived: number,
  ): void {
    const handler = this.opts.commands[frame.type] as Handler<CommandType>;
    this.inflight++;
    handler(this.opts.context, conn, frame as never)
      .then(
        (data) => {
          if (data !== NO_REPLY) conn.reply(encodeReply(frame.id, data));
          if (frame.type === 'send')
            this.opts.metrics.sendLatency((performance.now() - arrived) / 1000);
        },
        (err: unknown) => {
          if (!(err instanceof SwitchboardError))
            this.opts.logger.error({ err, type: frame.type }, 'command failed');
          this.count(err);
          conn.reply(encodeError(err, frame.id));
        },
      )
      .finally(() => this.inflight--);
  }

  sendError(conn: ClientConnection, err: unknown, id?: RequestId, channel?: string): void {
    this.count(err);
    conn.push(encodeError(err, id, channel));
  }

  closeWith(conn: ClientConnection, code: number, errorCode: ErrorCode): void {
    if (conn.closed) return;
    this.opts.metrics.error(errorCode);
    conn.close(code, errorCode);
  }

  private count(err: unknown): void {
    this.opts.metrics.error(err instanceof SwitchboardError ? err.code : 'SB_ERR_INTERNAL');
  }
}

function readableId(id: unknown): RequestId | undefined {
  if (typeof id === 'string' && id.length <= 64) return id;
  if (typeof id === 'number' && Number.isSafeInteger(id)) return id;
  return undefined;
}
