/**
 * One client connection on the host's side: a vscode-jsonrpc `MessageConnection` over a
 * transport, serving the methods of methods.ts, for as long as the client keeps it open and
 * within bounds on what one client can make the host hold.
 */
import {
  createMessageConnection,
  ErrorCodes,
  Message,
  type MessageConnection,
  type MessageReader,
  type MessageWriter,
  type NotificationType,
} from "vscode-jsonrpc/node";
import type { Clock } from "../clock.js";
import { RpcErrorCode } from "./codes.js";
import { ControlError, REQUEST_CANCELLED } from "./errors.js";
import { Feeds } from "./feeds.js";
import type { Masks } from "./mask.js";
import { serveMethods, type MethodContext } from "./methods.js";
import * as p from "./protocol.js";
import type { ControlTarget } from "./target.js";
import type { Transport } from "./transport.js";

/** Bounds that keep one client from growing the host's memory. */
export interface ControlLimits {
  /** Input that does not complete a message within this many bytes ends the connection. */
  maxMessageBytes: number;
  /** While more than this waits to be written to a client, its new log lines are dropped. */
  logBacklogBytes: number;
  /** A client with more than this waiting (log lines aside, so rarely) is disconnected. */
  maxBacklogBytes: number;
  /** Unfinished input held across all connections; past it, the connection adding to it ends. */
  maxBufferedBytes: number;
  /** Connections open at once; past it the longest idle one makes room (fds stay for services). */
  maxConnections: number;
  /** A connection with nothing asked, pending or followed for this long is closed. */
  idleMs: number;
}

export const DEFAULT_LIMITS: ControlLimits = {
  maxMessageBytes: 1024 * 1024,
  logBacklogBytes: 1024 * 1024,
  maxBacklogBytes: 8 * 1024 * 1024,
  maxBufferedBytes: 16 * 1024 * 1024,
  maxConnections: 256,
  idleMs: 60_000,
};

/** How long a closing connection may take to flush what was already queued. */
const FLUSH_MS = 500;

export interface SessionOptions {
  target: ControlTarget;
  clock: Clock;
  masks: Masks;
  limits: ControlLimits;
  log: (message: string) => void;
}

export class Session {
  private readonly connection: MessageConnection;
  /** The transport's writer, bounding what is queued and counting what is answered. */
  private readonly writer: MessageWriter;
  /** The last write: writes complete in order, so once it is done all before it are. */
  private lastWrite: Promise<unknown> = Promise.resolve();
  private readonly feeds: Feeds;
  /** Aborted when the connection ends: pending waits answer with its reason. */
  private readonly ended = new AbortController();
  /** What the handlers share with the session (the client's name, its capabilities). */
  private readonly context: MethodContext;
  private holding = false;
  /** Ids of the requests read and not yet answered. */
  private readonly unanswered = new Set<string | number>();
  private inputEnded = false;
  private closing = false;
  private cancelIdle = () => {};
  /** When the last message came (or the connection, before any). */
  lastMessageAt = 0;

  constructor(
    readonly transport: Transport,
    private readonly options: SessionOptions,
  ) {
    const { target, masks, limits } = options;
    const { writer } = transport;
    this.writer = {
      onError: writer.onError,
      onClose: writer.onClose,
      end: () => writer.end(),
      dispose: () => writer.dispose(),
      write: (message) => {
        if (Message.isResponse(message) && message.id !== null) this.unanswered.delete(message.id);
        const before = transport.queuedBytes;
        const written = writer.write(message).finally(() => this.written());
        this.lastWrite = written.catch(() => {});
        // One large answer to a client that reads is fine; a pile-up is not.
        if (before > 0 && transport.queuedBytes > limits.maxBacklogBytes) {
          this.drop(`it read too slowly (${transport.queuedBytes} bytes were waiting)`);
        }
        return written;
      },
    };
    this.feeds = new Feeds({
      target,
      queuedBytes: () => transport.queuedBytes,
      logBacklogBytes: limits.logBacklogBytes,
      masks,
      sendServiceChanged: (params) => this.notify(p.serviceChanged, params),
      sendLogLines: (params) => this.notify(p.logLines, params),
    });
    this.connection = createMessageConnection(this.countingReader(), this.writer);
    // A reader's error is input that is no message; a writer's, a connection that broke.
    this.connection.onError(([error, message]) =>
      message === undefined
        ? this.refuse(error)
        : this.drop(`the connection failed (${error.message})`),
    );
    this.connection.onClose(() => this.onClosed());
    transport.onInputEnd(() => {
      // The client has asked all it will ask: answer it, then hang up.
      this.inputEnded = true;
      this.feeds.close();
      this.endIfDone();
    });
    this.context = {
      ...options,
      client: "a client",
      feeds: this.feeds,
      signal: this.ended.signal,
      // Once this answer is written (or has had its moment): the client hears it.
      afterAnswer: (action) => setImmediate(() => void this.flushed().then(action)),
      // A held host is in use for as long as the holder runs its command: never idle.
      held: () => (this.holding = true),
    };
    serveMethods(this.connection, this.context);
    this.connection.listen();
    this.resetIdle();
  }

  /**
   * Ends the session because the host stops: pending waits answer `shuttingDown`, what is
   * queued gets a moment to flush, then the connection ends. Resolves once it is closed.
   */
  end(): Promise<void> {
    if (!this.closing) {
      this.closing = true;
      this.ended.abort(new ControlError(RpcErrorCode.shuttingDown, "the app host is stopping"));
      // Lets the rejected waits' answers reach the writer before waiting for it to drain.
      setImmediate(() => void this.flushed().then(() => this.transport.end()));
    }
    // A peer that does not read does not hold up the host's stop past this.
    const deadline = setTimeout(() => this.transport.destroy(), 2 * FLUSH_MS).unref();
    return this.transport.closed.then(() => clearTimeout(deadline));
  }

  /**
   * The transport's reader, counting requests (to know when a client that ended its side
   * has had all its answers) and answering input that is JSON but not JSON-RPC, which the
   * library would only log.
   */
  private countingReader(): MessageReader {
    const { reader } = this.transport;
    return {
      onError: reader.onError,
      onClose: reader.onClose,
      onPartialMessage: reader.onPartialMessage,
      dispose: () => reader.dispose(),
      listen: (callback) =>
        reader.listen((message) => {
          if (this.closing) return;
          this.resetIdle();
          if (Message.isRequest(message)) {
            this.unanswered.add(message.id!);
            // One params object per method: left out means `{}`.
            message.params ??= {};
          }
          if (Message.isRequest(message) || Message.isNotification(message)) callback(message);
          else if (!Message.isResponse(message)) this.answerInvalid(message);
        }),
    };
  }

  private answerInvalid(message: unknown): void {
    const id = (message as { id?: unknown } | null)?.id;
    // Cannot reject: write() swallows a failed write (the transport then closes).
    void this.write({
      jsonrpc: "2.0",
      id: typeof id === "number" || typeof id === "string" ? id : null,
      error: {
        code: ErrorCodes.InvalidRequest,
        message: "not a JSON-RPC 2.0 request or notification (a method and an id are needed)",
      },
    });
  }

  private notify<P>(type: NotificationType<P>, params: P): void {
    if (!this.closing) this.connection.sendNotification(type, params as never).catch(() => {});
  }

  /** Writes a message of the session's own (not an answer of a handler). */
  private write(message: object): Promise<void> {
    // A failed write ends the connection (the transport closes); nothing to answer then.
    return this.writer.write(message as Message).catch(() => {});
  }

  /** Ends a session whose client asks nothing more, once all is answered and written. */
  private endIfDone(): void {
    if (
      this.inputEnded &&
      !this.closing &&
      this.unanswered.size === 0 &&
      !this.transport.queuedBytes
    ) {
      this.closing = true;
      this.transport.end();
    }
  }

  /** After each write: lines resume after a drop, a finished session ends. */
  private written(): void {
    this.feeds.drained(this.transport.queuedBytes);
    this.endIfDone();
  }

  /**
   * Resolves once everything queued so far is written, or after `FLUSH_MS` (a client that
   * does not read must not hold up the host).
   */
  private flushed(): Promise<unknown> {
    if (!this.transport.queuedBytes) return Promise.resolve();
    const timeout = new Promise((resolve) => setTimeout(resolve, FLUSH_MS).unref());
    return Promise.race([this.lastWrite, timeout]);
  }

  /** Malformed input: say so in JSON-RPC's words (-32700), then end this connection only. */
  private refuse(cause: Error): void {
    if (this.closing) return;
    this.closing = true;
    // A bad header is quoted in the error; neither the log nor the sender needs a megabyte.
    const reason = cause.message.length > 200 ? `${cause.message.slice(0, 200)}…` : cause.message;
    this.options.log(`control: closing a connection that sent malformed input: ${reason}`);
    this.ended.abort(new ControlError(REQUEST_CANCELLED, "malformed input"));
    const message = `the app host could not read this connection's input (${reason}); closing it`;
    const error = { code: ErrorCodes.ParseError, message };
    // Cannot reject: write() swallows a failed write (the transport then closes).
    void this.write({ jsonrpc: "2.0", id: null, error }).finally(() => this.transport.end());
    setTimeout(() => this.transport.destroy(), FLUSH_MS).unref();
  }

  /** Ends this connection at once, without a word. */
  drop(reason: string): void {
    if (!this.closing) this.options.log(`control: disconnecting ${this.context.client}: ${reason}`);
    this.closing = true;
    this.ended.abort(new ControlError(REQUEST_CANCELLED, reason));
    this.transport.destroy();
  }

  /** True while nothing is pending, followed or watched. */
  get idle(): boolean {
    return !this.closing && !this.holding && this.unanswered.size === 0 && !this.feeds.active;
  }

  /** Closes the connection once it has been idle for `idleMs`. */
  private resetIdle(): void {
    this.cancelIdle();
    const { clock, limits } = this.options;
    this.lastMessageAt = clock.now();
    this.cancelIdle = clock.setTimeout(() => {
      if (this.idle) this.drop(`it was idle for ${limits.idleMs} ms`);
      else this.resetIdle();
    }, limits.idleMs);
  }

  private onClosed(): void {
    this.closing = true;
    this.cancelIdle();
    this.ended.abort(new ControlError(REQUEST_CANCELLED, "the connection closed"));
    this.feeds.close();
    this.connection.dispose();
  }
}
