/**
 * One client connection on the host's side: a JSON-RPC session over one socket. It gates
 * every method on capability negotiation, turns thrown errors into wire errors, and ends
 * only itself when the client misbehaves (malformed input, reading too slowly).
 */
import type { Socket } from "node:net";
import {
  ErrorCodes,
  ResponseError,
  type CancellationToken,
  type MessageConnection,
  type MessageWriter,
  type NotificationType,
} from "vscode-jsonrpc/node";
import type { Clock } from "../clock.js";
import { isBerthError } from "../errors.js";
import { Backlog } from "./backlog.js";
import { negotiate, requireCapability } from "./capabilities.js";
import { openConnection } from "./connection.js";
import { ControlError, REQUEST_CANCELLED } from "./errors.js";
import { Feeds } from "./feeds.js";
import { methodTable, type Handler } from "./methods.js";
import { paramsObject, type Params } from "./params.js";
import * as p from "./protocol.js";
import { maskSecrets, type ControlTarget } from "./target.js";

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

/**
 * Why pending waits end when their connection goes. Nobody reads the answer; it only has to
 * be an error the session does not log as a fault of the host.
 */
const gone = (reason: string) => new ControlError(REQUEST_CANCELLED, reason);
/**
 * The usual end of a session, made once: every listing closes a connection, and an error
 * (with its stack) per close is a good part of what a host spends answering one.
 */
let connectionClosed: ControlError | undefined;

export interface SessionOptions {
  socket: Socket;
  target: ControlTarget;
  clock: Clock;
  secrets: readonly string[];
  limits: ControlLimits;
  log: (message: string) => void;
  onClosed: (session: Session) => void;
}

export class Session {
  private readonly socket: Socket;
  private readonly connection: MessageConnection;
  private readonly backlog: Backlog;
  private readonly feeds: Feeds;
  private readonly handlers: Map<string, Handler>;
  private readonly ended = new AbortController();
  private writer!: MessageWriter;
  private capabilities?: string[];
  private client?: string;
  private closing = false;
  private closed = false;

  constructor(private readonly options: SessionOptions) {
    const { socket, target, limits } = options;
    this.socket = socket;
    const mask = (text: string) => maskSecrets(text, options.secrets);
    const maskService = (info: p.ServiceInfo): p.ServiceInfo => ({
      ...info,
      command: mask(info.command),
      reason: info.reason === null ? null : mask(info.reason),
    });
    this.backlog = new Backlog({
      maxBytes: limits.maxBacklogBytes,
      onOverflow: (bytes) => this.drop(`it read too slowly (${bytes} bytes were waiting)`),
      onDrain: (bytes) => this.feeds.drained(bytes),
    });
    this.feeds = new Feeds({
      target,
      backlog: this.backlog,
      logBacklogBytes: limits.logBacklogBytes,
      maskService,
      maskText: mask,
      sendServiceChanged: (params) => this.notify(p.serviceChanged, params),
      sendLogLines: (params) => this.notify(p.logLines, params),
      log: options.log,
    });
    this.handlers = methodTable({
      target,
      clock: options.clock,
      feeds: this.feeds,
      maskService,
      maskEntry: (entry) => ({ ...entry, text: mask(entry.text) }),
      negotiate: (params) => this.negotiate(params),
      signal: this.ended.signal,
      afterReply: (action) => this.afterReply(action),
    });
    this.connection = openConnection(socket, {
      maxMessageBytes: limits.maxMessageBytes,
      wrapWriter: (writer) => (this.writer = this.backlog.wrap(writer)),
    });
    this.connection.onRequest((method, params, token) => this.dispatch(method, params, token));
    this.connection.onError(([error, message]) => {
      // Reader errors come without a message: malformed input, or the socket failing.
      if (message === undefined && !("code" in error)) this.refuse(error);
      else this.drop(`the connection failed (${error.message})`);
    });
    socket.on("close", () => this.onSocketClosed());
    this.connection.listen();
  }

  /** Bytes queued for this client and not yet written. */
  get queuedBytes(): number {
    return this.backlog.bytes;
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
      this.ended.abort(new ControlError(p.RpcErrorCode.shuttingDown, "the app host is stopping"));
      // Lets the rejected waits' answers reach the writer before waiting for it to drain.
      setImmediate(() => void this.backlog.drained(FLUSH_MS).then(() => this.finish()));
    }
    return closed;
  }

  private async dispatch(method: string, params: unknown, token: CancellationToken) {
    const handler = this.handlers.get(method);
    if (!handler) {
      throw new ResponseError(ErrorCodes.MethodNotFound, `this app host has no method ${method}`);
    }
    try {
      if (method !== p.getCapabilities.method) requireCapability(method, this.capabilities);
      return await handler(paramsObject(method, params), token);
    } catch (error) {
      throw this.toResponseError(method, error);
    }
  }

  private negotiate(params: Params): p.GetCapabilitiesResult {
    this.capabilities = negotiate(params.capabilities);
    this.client = typeof params.client === "string" ? params.client.slice(0, 200) : undefined;
    const offered = Array.isArray(params.capabilities) ? params.capabilities.join(", ") : "nothing";
    const shared = this.capabilities.join(", ") || "nothing";
    this.options.log(
      `control: ${this.client ?? "a client"} connected (offers ${offered}; shares ${shared})`,
    );
    return { capabilities: [...this.capabilities], version: this.options.target.info().version };
  }

  private toResponseError(method: string, error: unknown): ResponseError<unknown> {
    if (error instanceof ResponseError) return error;
    if (error instanceof ControlError)
      return new ResponseError(error.code, error.message, error.data);
    // A user-facing error from the host (a taken port, say) keeps its words and its code.
    if (isBerthError(error)) {
      return new ResponseError(p.RpcErrorCode.invalidState, error.message, { code: error.code });
    }
    this.options.log(`control: ${method} failed: ${(error as Error)?.stack ?? String(error)}`);
    return new ResponseError(
      ErrorCodes.InternalError,
      `${method} failed inside the app host; its log has the details`,
    );
  }

  private notify<P>(type: NotificationType<P>, params: P): void {
    if (this.closing) return;
    try {
      this.connection.sendNotification(type, params as never).catch(() => {});
    } catch {
      // Closed between the event and this send: nothing to tell anyone.
    }
  }

  private afterReply(action: () => void): void {
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

  /** Malformed input: say so in JSON-RPC's words (-32700), then end this connection only. */
  private refuse(error: Error): void {
    if (this.closing) return;
    this.closing = true;
    // The library quotes the offending header; neither the log nor the sender needs a megabyte.
    const reason = error.message.length > 200 ? `${error.message.slice(0, 200)}…` : error.message;
    this.options.log(`control: closing a connection that sent malformed input: ${reason}`);
    this.ended.abort(gone("malformed input"));
    this.socket.pause();
    const message = `the app host could not read this connection's input (${reason}); closing it`;
    this.writer
      .write({ jsonrpc: "2.0", id: null, error: { code: ErrorCodes.ParseError, message } } as never)
      .catch(() => {})
      .finally(() => this.finish());
  }

  /** Ends this connection at once, without a word. */
  private drop(reason: string): void {
    if (this.closed) return;
    if (!this.closing)
      this.options.log(`control: disconnecting ${this.client ?? "a client"}: ${reason}`);
    this.closing = true;
    this.ended.abort(gone(reason));
    this.socket.destroy();
  }

  private finish(): void {
    if (this.closed) return;
    this.socket.end();
    // A peer that never reads would keep the socket half-closed forever.
    setTimeout(() => this.socket.destroy(), FLUSH_MS).unref();
  }

  private onSocketClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.closing = true;
    if (!this.ended.signal.aborted) {
      this.ended.abort((connectionClosed ??= gone("the connection closed")));
    }
    this.feeds.close();
    this.connection.dispose();
    this.options.onClosed(this);
  }
}
