/**
 * One client connection on the host's side: a JSON-RPC session over one socket.
 * vscode-jsonrpc reads and writes the messages (its framing); the session routes each
 * request to the method table, gates it on capability negotiation, turns thrown errors into
 * wire errors, and ends only itself when the client misbehaves.
 *
 * It does without the library's MessageConnection, which is made for long two-way sessions
 * (tracking its own requests, a message queue, tracing). Most connections to a host are one
 * question from `berth ps` or `berth status`, and setting a MessageConnection up and
 * disposing of it was most of what a host spent answering one; `berth ps` wakes every host
 * on the machine at once, so that cost is paid fifty times over on a busy machine.
 */
import type { Socket } from "node:net";
import {
  CancellationTokenSource,
  ErrorCodes,
  Message,
  ResponseError,
  type MessageWriter,
  type NotificationType,
  type RequestMessage,
} from "vscode-jsonrpc/node";
import type { Clock } from "../clock.js";
import { isBerthError } from "../errors.js";
import { Backlog } from "./backlog.js";
import { negotiate, requireCapability } from "./capabilities.js";
import { BoundedReader, SocketWriter } from "./connection.js";
import { ControlError, REQUEST_CANCELLED } from "./errors.js";
import { Feeds } from "./feeds.js";
import { METHODS, type MethodContext } from "./methods.js";
import { paramsObject, type Params } from "./params.js";
import * as p from "./protocol.js";
import type { ControlTarget, Masks } from "./target.js";

/** Bounds that keep one client from growing the host's memory. */
export interface ControlLimits {
  /** Input that does not complete a message within this many bytes ends the connection. */
  maxMessageBytes: number;
  /** While more than this waits to be written to a client, its new log lines are dropped. */
  logBacklogBytes: number;
  /** A client with more than this waiting (log lines aside, so rarely) is disconnected. */
  maxBacklogBytes: number;
}

export const DEFAULT_LIMITS: ControlLimits = {
  maxMessageBytes: 1024 * 1024,
  logBacklogBytes: 1024 * 1024,
  maxBacklogBytes: 8 * 1024 * 1024,
};

/** How long a closing connection may take to flush what was already queued. */
const FLUSH_MS = 500;

/** The notification a client sends to give up on one of its requests (LSP's name). */
const CANCEL_REQUEST = "$/cancelRequest";

/**
 * Why pending waits end when their connection goes. Nobody reads the answer; it only has to
 * be an error the session does not log as a fault of the host.
 */
const gone = (reason: string) => new ControlError(REQUEST_CANCELLED, reason);
/** The usual end of a session, made once rather than with a stack per connection. */
let connectionClosed: ControlError | undefined;

export interface SessionOptions {
  socket: Socket;
  target: ControlTarget;
  clock: Clock;
  masks: Masks;
  limits: ControlLimits;
  log: (message: string) => void;
  onClosed: (session: Session) => void;
}

export class Session implements MethodContext {
  readonly target: ControlTarget;
  readonly clock: Clock;
  readonly masks: Masks;
  private readonly socket: Socket;
  private readonly backlog: Backlog;
  private readonly writer: MessageWriter;
  private ownFeeds?: Feeds;
  private ended?: AbortController;
  /** Why the session ended, kept for a signal asked for afterwards. */
  private endReason?: ControlError;
  /** Requests not yet answered, by id, so that `$/cancelRequest` can reach them. */
  private readonly pending = new Map<string | number, CancellationTokenSource>();
  /** Requests being answered (a client may reuse an id, so not `pending.size`). */
  private inFlight = 0;
  /** Messages the reader has handed over, to tell when it has none left to hand over. */
  private received = 0;
  private capabilities?: string[];
  private client?: string;
  /** Destroys a socket whose peer does not close after ours ended. */
  private lingering?: NodeJS.Timeout;
  /** The client will send nothing more (it half-closed its side, or said so). */
  private inputEnded = false;
  /** The client said so: the host closes without waiting for the client's end. */
  private closeAsked = false;
  private closing = false;
  private closed = false;

  constructor(private readonly options: SessionOptions) {
    const { socket, limits } = options;
    this.socket = socket;
    this.target = options.target;
    this.clock = options.clock;
    this.masks = options.masks;
    this.backlog = new Backlog({
      maxBytes: limits.maxBacklogBytes,
      onOverflow: (bytes) => this.drop(`it read too slowly (${bytes} bytes were waiting)`),
      onDrain: (bytes) => {
        this.ownFeeds?.drained(bytes);
        if (bytes === 0) this.endIfDone();
      },
    });
    this.writer = this.backlog.wrap(new SocketWriter(socket));
    this.writer.onError(([error]) => this.drop(`the connection failed (${error.message})`));
    const reader = new BoundedReader(socket, limits.maxMessageBytes);
    // The socket's own failures carry a code (ECONNRESET); anything else is unreadable input.
    reader.onError((error) =>
      "code" in error ? this.drop(`the connection failed (${error.message})`) : this.refuse(error),
    );
    socket.on("end", () => this.onInputEnded());
    socket.on("close", () => this.onSocketClosed());
    reader.listen((message) => this.receive(message));
  }

  /** Bytes queued for this client and not yet written. */
  get queuedBytes(): number {
    return this.backlog.bytes;
  }

  get feeds(): Feeds {
    return (this.ownFeeds ??= new Feeds({
      target: this.target,
      backlog: this.backlog,
      logBacklogBytes: this.options.limits.logBacklogBytes,
      masks: this.masks,
      sendServiceChanged: (params) => this.notify(p.serviceChanged, params),
      sendLogLines: (params) => this.notify(p.logLines, params),
      log: this.options.log,
    }));
  }

  get signal(): AbortSignal {
    if (!this.ended) {
      this.ended = new AbortController();
      if (this.endReason) this.ended.abort(this.endReason);
    }
    return this.ended.signal;
  }

  negotiate(params: Params): p.GetCapabilitiesResult {
    this.capabilities = negotiate(params.capabilities);
    this.client = typeof params.client === "string" ? params.client.slice(0, 200) : undefined;
    const offered = Array.isArray(params.capabilities) ? params.capabilities.join(", ") : "nothing";
    const shared = this.capabilities.join(", ") || "nothing";
    this.options.log(
      `control: ${this.client ?? "a client"} connected (offers ${offered}; shares ${shared})`,
    );
    return { capabilities: [...this.capabilities], version: this.target.info().version };
  }

  afterReply(action: () => void): void {
    setImmediate(
      () =>
        void this.backlog.drained(FLUSH_MS).then(() => {
          try {
            action();
          } catch (error) {
            this.options.log(`control: ${(error as Error)?.stack ?? String(error)}`);
          }
        }),
    );
  }

  closeWhenAnswered(): void {
    this.closeAsked = true;
    this.ownFeeds?.close();
    // Requests still running are answered first; the answer being made now drains the
    // backlog, which ends the session (`endIfDone`).
    this.inputEnded = true;
  }

  /**
   * Ends the session because the host stops: pending waits answer `shuttingDown`, what is
   * queued gets a moment to flush, then the socket ends. Resolves once it is closed.
   */
  end(): Promise<void> {
    if (this.closed) return Promise.resolve();
    const closed = new Promise<void>((resolve) => this.socket.once("close", () => resolve()));
    if (!this.closing) {
      this.closing = true;
      this.abort(new ControlError(p.RpcErrorCode.shuttingDown, "the app host is stopping"));
      // Lets the rejected waits' answers reach the writer before waiting for it to drain.
      setImmediate(() => void this.backlog.drained(FLUSH_MS).then(() => this.finish()));
    }
    // Whatever state it was in (a refusal still being written, a peer that does not read),
    // the host's stop is not held up past this.
    const deadline = setTimeout(() => this.socket.destroy(), 2 * FLUSH_MS);
    deadline.unref();
    void closed.then(() => clearTimeout(deadline));
    return closed;
  }

  private receive(message: Message): void {
    this.received++;
    // Refused, dropped or stopping: what was read after that is not answered.
    if (this.closing) return;
    // After the client's last word only a cancellation of what came before counts.
    if (this.closeAsked) {
      if (Message.isNotification(message) && message.method === CANCEL_REQUEST) {
        this.cancel(message.params);
      }
      return;
    }
    if (Message.isRequest(message)) {
      this.answer(message);
    } else if (Message.isNotification(message)) {
      // The only notification a client sends; any other is not for this host.
      if (message.method === CANCEL_REQUEST) this.cancel(message.params);
    } else if (!Message.isResponse(message)) {
      // Any JSON value can arrive here, `null` included.
      const id = (message as { id?: unknown } | null)?.id;
      this.reply(typeof id === "number" || typeof id === "string" ? id : null, {
        error: {
          code: ErrorCodes.InvalidRequest,
          message: "not a JSON-RPC 2.0 request or notification (a method and an id are needed)",
        },
      });
    }
    // A response: the host asks clients nothing, so there is nothing it could answer.
  }

  /** Runs one request; a handler that answers at once is answered in the same turn. */
  private answer(request: RequestMessage): void {
    const { method } = request;
    // `Message.isRequest` let through only a string or a number.
    const id = request.id as string | number;
    const handler = METHODS.get(method);
    let result: unknown;
    try {
      if (!handler) {
        throw new ResponseError(ErrorCodes.MethodNotFound, `this app host has no method ${method}`);
      }
      if (method !== p.getCapabilities.method) requireCapability(method, this.capabilities);
      const cancellation = new CancellationTokenSource();
      result = handler(this, paramsObject(method, request.params), cancellation.token);
      if (!(result instanceof Promise)) {
        cancellation.dispose();
        this.reply(id, { result: result ?? null });
        return;
      }
      this.pending.set(id, cancellation);
      this.inFlight++;
      (result as Promise<unknown>).then(
        (value) => this.settle(id, cancellation, { result: value ?? null }),
        (error: unknown) =>
          this.settle(id, cancellation, { error: this.toWireError(method, error) }),
      );
    } catch (error) {
      this.reply(id, { error: this.toWireError(method, error) });
    }
  }

  private settle(id: string | number, cancellation: CancellationTokenSource, outcome: Outcome) {
    this.inFlight--;
    cancellation.dispose();
    if (this.pending.get(id) === cancellation) this.pending.delete(id);
    this.reply(id, outcome);
  }

  private reply(id: string | number | null, outcome: Outcome): void {
    if (this.closed) return;
    // A failed write ends the connection through the writer's error event; a written one
    // lets a half-closed session end (the backlog's drain calls `endIfDone`).
    this.writer.write({ jsonrpc: "2.0", id, ...outcome } as Message).catch(() => {});
  }

  private cancel(params: unknown): void {
    const id = (params as { id?: unknown } | undefined)?.id;
    if (typeof id === "number" || typeof id === "string") this.pending.get(id)?.cancel();
  }

  private toWireError(method: string, error: unknown): Outcome["error"] & {} {
    if (error instanceof ResponseError) return error.toJson();
    if (error instanceof ControlError) return wireError(error.code, error.message, error.data);
    // A user-facing error from the host (a taken port, say) keeps its words and its code.
    if (isBerthError(error)) {
      return wireError(p.RpcErrorCode.invalidState, error.message, { code: error.code });
    }
    this.options.log(`control: ${method} failed: ${(error as Error)?.stack ?? String(error)}`);
    return wireError(
      ErrorCodes.InternalError,
      `${method} failed inside the app host; its log has the details`,
    );
  }

  private notify<P>(type: NotificationType<P>, params: P): void {
    if (this.closing) return;
    this.writer.write({ jsonrpc: "2.0", method: type.method, params } as Message).catch(() => {});
  }

  /**
   * The client half-closed: it has asked all it will ask. Its questions are answered, then
   * the session ends (and its notifications with it). `berth ps` says so in its question
   * instead (`closeWhenAnswered`): Node sends the half-close a turn after the question,
   * which would wake the host once more.
   */
  private onInputEnded(): void {
    this.ownFeeds?.close();
    // The reader hands each message over a turn of the event loop after reading it, and
    // the end of input is told at once: a question read together with the end may not have
    // reached the session yet. Wait for a turn in which no message arrives.
    const settle = (seen: number) =>
      setImmediate(() => {
        if (this.received !== seen) return settle(this.received);
        this.inputEnded = true;
        this.endIfDone();
      });
    settle(this.received);
  }

  /**
   * Ends a session whose client asks nothing more, once nothing is pending or queued.
   * Called again as the queue drains, not on a timer: a timer, even one cleared, wakes the
   * host once more later.
   */
  private endIfDone(): void {
    if (!this.inputEnded || this.closing || this.inFlight > 0 || this.backlog.bytes > 0) {
      return;
    }
    this.closing = true;
    this.finish();
  }

  /** Malformed input: say so in JSON-RPC's words (-32700), then end this connection only. */
  private refuse(error: Error): void {
    if (this.closing) return;
    // After the client's last word its input is not read for questions any more: what it
    // sends cannot end the answers still owed to it.
    if (this.closeAsked) {
      this.socket.pause();
      return;
    }
    this.closing = true;
    // The library quotes the offending header; neither the log nor the sender needs a megabyte.
    const reason = error.message.length > 200 ? `${error.message.slice(0, 200)}…` : error.message;
    this.options.log(`control: closing a connection that sent malformed input: ${reason}`);
    this.abort(gone("malformed input"));
    this.socket.pause();
    const message = `the app host could not read this connection's input (${reason}); closing it`;
    this.writer
      .write({
        jsonrpc: "2.0",
        id: null,
        error: { code: ErrorCodes.ParseError, message },
      } as Message)
      .catch(() => {})
      .finally(() => this.finish());
  }

  /** Ends this connection at once, without a word. */
  private drop(reason: string): void {
    if (this.closed) return;
    if (!this.closing)
      this.options.log(`control: disconnecting ${this.client ?? "a client"}: ${reason}`);
    this.closing = true;
    this.abort(gone(reason));
    this.socket.destroy();
  }

  private finish(): void {
    if (this.closed) return;
    // Closing (not ending) the socket: the client's end would only wake the host again.
    if (this.closeAsked && this.socket.writableLength === 0 && !this.backlog.bytes) {
      this.socket.destroy();
      return;
    }
    this.socket.end();
    // A peer that has ended its side too gets the socket closed as ours ends, once nothing
    // is left to write. One that has not, or does not read, would keep it open forever.
    if (this.socket.readableEnded && this.socket.writableLength === 0 && !this.backlog.bytes) {
      return;
    }
    this.lingering ??= setTimeout(() => this.socket.destroy(), FLUSH_MS);
    this.lingering.unref();
  }

  /** Ends the waits of this connection (only a session that has some made a controller). */
  private abort(reason: ControlError): void {
    this.endReason ??= reason;
    if (this.ended && !this.ended.signal.aborted) this.ended.abort(reason);
  }

  private onSocketClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.closing = true;
    // Not left to wake the host half a second later for nothing.
    clearTimeout(this.lingering);
    this.abort((connectionClosed ??= gone("the connection closed")));
    for (const cancellation of this.pending.values()) cancellation.dispose();
    this.pending.clear();
    this.ownFeeds?.close();
    this.options.onClosed(this);
  }
}

interface Outcome {
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

function wireError(code: number, message: string, data?: unknown): Outcome["error"] & {} {
  return data === undefined ? { code, message } : { code, message, data };
}
