/**
 * One client connection on the host's side: a vscode-jsonrpc `MessageConnection` over a
 * transport, with a handler for each method of protocol.ts. Around the handlers: capability
 * negotiation, errors in the wire's words, the instance secret masked in all that goes out,
 * and bounds on what one client can make the host hold.
 *
 * Capabilities are strings (`berth.v1`, later `berth.v2`, …), so an old client and a new
 * host, or the reverse, find out what they share instead of failing on the first unknown
 * field; each session starts with `getCapabilities`.
 */
import {
  createMessageConnection,
  ErrorCodes,
  Message,
  ResponseError,
  type CancellationToken,
  type MessageConnection,
  type MessageReader,
  type MessageWriter,
  type NotificationType,
  type RequestType,
} from "vscode-jsonrpc/node";
import type { Clock } from "../clock.js";
import { isBerthError } from "../errors.js";
import { CAPABILITIES, RpcErrorCode, V1 } from "./codes.js";
import { ControlError, REQUEST_CANCELLED } from "./errors.js";
import { Feeds } from "./feeds.js";
import type { Masks } from "./mask.js";
import {
  count,
  optionalService,
  paramsObject,
  requiredService,
  states,
  type Params,
} from "./params.js";
import * as p from "./protocol.js";
import type { ControlTarget } from "./target.js";
import type { Transport } from "./transport.js";
import { waitForState } from "./wait.js";

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

const DEFAULT_TAIL = 100;
const DEFAULT_WAIT_MS = 30_000;
/** How long a closing connection may take to flush what was already queued. */
const FLUSH_MS = 500;

export interface SessionOptions {
  target: ControlTarget;
  clock: Clock;
  masks: Masks;
  limits: ControlLimits;
  log: (message: string) => void;
  onClosed: (session: Session) => void;
}

export class Session {
  private readonly connection: MessageConnection;
  /** The transport's writer, bounding what is queued and counting what is answered. */
  private readonly writer: MessageWriter;
  /** Called once nothing is queued any more. */
  private readonly flushWaiters = new Set<() => void>();
  private readonly feeds: Feeds;
  /** Aborted when the connection ends: pending waits answer with its reason. */
  private readonly ended = new AbortController();
  private capabilities?: string[];
  private client = "a client";
  /** Ids of the requests read and not yet answered. */
  private readonly unanswered = new Set<string | number>();
  private inputEnded = false;
  private closing = false;

  constructor(
    private readonly transport: Transport,
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
      log: options.log,
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
    this.handleMethods();
    this.connection.listen();
  }

  /** Bytes queued for this client and not yet written. */
  get queuedBytes(): number {
    return this.transport.queuedBytes;
  }

  /**
   * Ends the session because the host stops: pending waits answer `shuttingDown`, what is
   * queued gets a moment to flush, then the connection ends. Resolves once it is closed.
   */
  end(): Promise<void> {
    if (!this.closing) {
      this.closing = true;
      this.abort(new ControlError(RpcErrorCode.shuttingDown, "the app host is stopping"));
      // Lets the rejected waits' answers reach the writer before waiting for it to drain.
      setImmediate(() => void this.flushed().then(() => this.transport.end()));
    }
    // A peer that does not read does not hold up the host's stop past this.
    const deadline = setTimeout(() => this.transport.destroy(), 2 * FLUSH_MS);
    deadline.unref();
    return this.transport.closed.then(() => clearTimeout(deadline));
  }

  private handleMethods(): void {
    const { target, masks } = this.options;
    const services = () => target.services().map((service) => masks.service(service));
    const logs = (method: string, params: Params) =>
      target
        .logs(optionalService(method, params), count(method, params, "tail", DEFAULT_TAIL))
        .map((entry) => masks.entry(entry));
    const action = (type: typeof p.startService, run: (name: string) => Promise<p.ServiceInfo>) =>
      this.handle(type, async (params) => ({
        service: masks.service(await run(requiredService(type.method, params))),
      }));

    this.connection.onRequest((method) => {
      throw new ResponseError(ErrorCodes.MethodNotFound, `this app host has no method ${method}`);
    });
    this.handle(p.getCapabilities, (params) => this.negotiate(params));
    this.handle(p.getHostInfo, () => target.info());
    this.handle(p.listServices, () => ({ services: services() }));
    this.handle(p.watchServices, () => {
      this.feeds.watch();
      return { services: services() };
    });
    this.handle(p.getLogs, (params) => ({ lines: logs(p.getLogs.method, params) }));
    this.handle(p.followLogs, (params) => {
      // Lines first, then the subscription, in one turn: none is missed or repeated.
      const lines = logs(p.followLogs.method, params);
      this.feeds.follow(optionalService(p.followLogs.method, params));
      return { lines };
    });
    action(p.startService, (name) => target.startService(name));
    action(p.stopService, (name) => target.stopService(name));
    action(p.restartService, (name) => target.restartService(name));
    this.handle(p.waitForService, async (params, token) => {
      const method = p.waitForService.method;
      const cancelled = new AbortController();
      const listener = token.onCancellationRequested(() =>
        cancelled.abort(new ControlError(REQUEST_CANCELLED, `${method} was cancelled`)),
      );
      try {
        const info = await waitForState({
          target,
          clock: this.options.clock,
          service: requiredService(method, params),
          states: states(method, params),
          timeoutMs: count(method, params, "timeoutMs", DEFAULT_WAIT_MS),
          signal: AbortSignal.any([this.ended.signal, cancelled.signal]),
        });
        return { service: masks.service(info) };
      } finally {
        listener.dispose();
      }
    });
    this.handle(p.stopHost, () => {
      // Stops once this answer is written (or has had its moment): the client hears it.
      setImmediate(() => void this.flushed().then(() => target.stopHost()));
      return { stopping: true as const };
    });
  }

  /** Serves `type`: gated on negotiation, its params checked, its errors put in wire words. */
  private handle<P, R>(
    type: RequestType<P, R, void>,
    run: (params: Params, token: CancellationToken) => R | Promise<R>,
  ): void {
    const { method } = type;
    this.connection.onRequest<P, R, void>(type, (async (params: P, token: CancellationToken) => {
      try {
        if (type !== p.getCapabilities) requireCapability(method, this.capabilities);
        return await run(paramsObject(method, params), token);
      } catch (error) {
        throw this.toWireError(method, error);
      }
    }) as never);
  }

  private negotiate(params: Params): p.GetCapabilitiesResult {
    this.capabilities = negotiate(params.capabilities);
    if (typeof params.client === "string") this.client = params.client.slice(0, 200);
    const offered = Array.isArray(params.capabilities) ? params.capabilities.join(", ") : "nothing";
    const shared = this.capabilities.join(", ") || "nothing";
    this.options.log(`control: ${this.client} connected (offers ${offered}; shares ${shared})`);
    return { capabilities: [...this.capabilities], version: this.options.target.info().version };
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
    void this.write({
      jsonrpc: "2.0",
      id: typeof id === "number" || typeof id === "string" ? id : null,
      error: {
        code: ErrorCodes.InvalidRequest,
        message: "not a JSON-RPC 2.0 request or notification (a method and an id are needed)",
      },
    });
  }

  private toWireError(method: string, error: unknown): ResponseError<unknown> {
    const { masks } = this.options;
    if (error instanceof ResponseError) return error;
    if (error instanceof ControlError) {
      return new ResponseError(error.code, masks.text(error.message), error.data);
    }
    // A user-facing error from the host (a taken port, say) keeps its words and its code.
    if (isBerthError(error)) {
      return new ResponseError(RpcErrorCode.invalidState, masks.text(error.message), {
        code: error.code,
      });
    }
    this.options.log(`control: ${method} failed: ${(error as Error)?.stack ?? String(error)}`);
    return new ResponseError(
      ErrorCodes.InternalError,
      `${method} failed inside the app host; its log has the details`,
    );
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
    if (this.inputEnded && !this.closing && this.unanswered.size === 0 && !this.queuedBytes) {
      this.closing = true;
      this.transport.end();
    }
  }

  /** After each write: lines resume after a drop, a finished session ends, waiters go on. */
  private written(): void {
    const queued = this.queuedBytes;
    this.feeds.drained(queued);
    this.endIfDone();
    if (queued > 0) return;
    for (const resolve of this.flushWaiters) resolve();
    this.flushWaiters.clear();
  }

  /**
   * Resolves once everything queued so far is written, or after `FLUSH_MS` (a client that
   * does not read must not hold up the host).
   */
  private flushed(): Promise<void> {
    if (!this.queuedBytes) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, FLUSH_MS);
      timer.unref();
      this.flushWaiters.add(() => (clearTimeout(timer), resolve()));
    });
  }

  /** Malformed input: say so in JSON-RPC's words (-32700), then end this connection only. */
  private refuse(error: Error): void {
    if (this.closing) return;
    this.closing = true;
    // A bad header is quoted in the error; neither the log nor the sender needs a megabyte.
    const reason = error.message.length > 200 ? `${error.message.slice(0, 200)}…` : error.message;
    this.options.log(`control: closing a connection that sent malformed input: ${reason}`);
    this.abort(new ControlError(REQUEST_CANCELLED, "malformed input"));
    const message = `the app host could not read this connection's input (${reason}); closing it`;
    void this.write({
      jsonrpc: "2.0",
      id: null,
      error: { code: ErrorCodes.ParseError, message },
    }).finally(() => this.transport.end());
    setTimeout(() => this.transport.destroy(), FLUSH_MS).unref();
  }

  /** Ends this connection at once, without a word. */
  private drop(reason: string): void {
    if (!this.closing) this.options.log(`control: disconnecting ${this.client}: ${reason}`);
    this.closing = true;
    this.abort(new ControlError(REQUEST_CANCELLED, reason));
    this.transport.destroy();
  }

  private abort(reason: ControlError): void {
    if (!this.ended.signal.aborted) this.ended.abort(reason);
  }

  private onClosed(): void {
    this.closing = true;
    this.abort(new ControlError(REQUEST_CANCELLED, "the connection closed"));
    this.feeds.close();
    this.connection.dispose();
    this.options.onClosed(this);
  }
}

/**
 * What this host and a client share: the host's capabilities the client listed, in the
 * host's order. A client that lists nothing is taken to understand all of them.
 *
 * @example
 * negotiate(["berth.v1", "berth.v9"]); // ["berth.v1"]
 */
export function negotiate(offered: unknown): string[] {
  if (!Array.isArray(offered)) return [...CAPABILITIES];
  return CAPABILITIES.filter((capability) => offered.includes(capability));
}

/** Throws `capabilityRequired` unless the session negotiated what `method` needs. */
export function requireCapability(method: string, negotiated: readonly string[] | undefined): void {
  if (!negotiated) {
    throw new ControlError(
      RpcErrorCode.capabilityRequired,
      `call getCapabilities before ${method}: every session starts by negotiating capabilities`,
    );
  }
  if (!negotiated.includes(V1)) {
    throw new ControlError(
      RpcErrorCode.capabilityRequired,
      `${method} needs ${V1}, which this session did not negotiate`,
    );
  }
}
