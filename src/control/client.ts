/**
 * The client end of the control socket, used by the CLI, the monitor, the MCP server and
 * the dashboard. It imports only vscode-jsonrpc and node:net, so `berth ps` stays fast.
 *
 * Every call has a timeout: a host that accepts but never answers is reported as
 * unresponsive, never waited on.
 */
import { createConnection, type Socket } from "node:net";
import {
  CancellationTokenSource,
  ConnectionError,
  createMessageConnection,
  ErrorCodes,
  ResponseError,
  type MessageConnection,
  type RequestType,
} from "vscode-jsonrpc/node";
import { systemClock, type Clock } from "../clock.js";
import {
  ControlClosedError,
  ControlConnectError,
  ControlError,
  UnresponsiveError,
  type ConnectFailure,
} from "./errors.js";
import * as p from "./protocol.js";
import { socketTransport, type Transport } from "./transport.js";

/** Default bound on connecting and on each query. */
export const DEFAULT_TIMEOUT_MS = 2_000;
/** Default bound on start/stop/restart: a start may wait out a readiness timeout (60 s). */
export const ACTION_TIMEOUT_MS = 120_000;

export interface ConnectOptions {
  /** Bound on connecting plus `getCapabilities`, and the default for each query. Default 2000. */
  timeoutMs?: number;
  clock?: Clock;
  /** Who is asking, for the host's log ("berth-cli 0.1.0"). */
  client?: string;
  /** Gives up: the socket is closed, and the connect rejects. */
  signal?: AbortSignal;
}

export interface CallOptions {
  timeoutMs?: number;
}

/** `closed`: this client called `close()`. `lost`: the host ended it, or it broke. */
export type CloseReason = "closed" | "lost";

/**
 * Connects to an app host's control socket and negotiates capabilities. Rejects with
 * `ControlConnectError` (kind `missing`, `refused`, `denied`, `timeout`, `incompatible`)
 * or, when the host accepts but does not answer, `UnresponsiveError`.
 *
 * @example
 * const host = await connectControl(socketPath, { client: "berth-cli 0.1.0" });
 * try {
 *   console.log((await host.describe()).services);
 * } finally {
 *   await host.close();
 * }
 */
export async function connectControl(
  socketPath: string,
  options: ConnectOptions = {},
): Promise<ControlClient> {
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const started = clock.now();
  const socket = await connectSocket(socketPath, timeoutMs, clock);
  // A caller that gave up must not be kept waiting (nor its process kept alive) by the socket.
  const giveUp = () => socket.destroy();
  if (options.signal?.aborted) giveUp();
  options.signal?.addEventListener("abort", giveUp, { once: true });
  const remaining = Math.max(1, Math.ceil(timeoutMs - (clock.now() - started)));
  try {
    return await openClient(socketTransport(socket), socketPath, {
      ...options,
      timeoutMs: remaining,
    });
  } finally {
    options.signal?.removeEventListener("abort", giveUp);
  }
}

/**
 * A client over any transport (`connectControl` opens a socket for it), once capabilities
 * are negotiated. `socketPath` names the host in errors.
 */
export async function openClient(
  transport: Transport,
  socketPath: string,
  options: ConnectOptions = {},
): Promise<ControlClient> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const client = new ControlClient(socketPath, transport, options.clock ?? systemClock, timeoutMs);
  try {
    await client.negotiate(options.client, timeoutMs);
    return client;
  } catch (error) {
    await client.close();
    throw error;
  }
}

/** A live session with one app host; `connectControl` opens one. */
export class ControlClient {
  /** The capabilities both ends understand (always includes `berth.v1`). */
  capabilities: readonly string[] = [];
  /** The host's berth version. */
  hostVersion = "";
  closed = false;
  private readonly connection: MessageConnection;
  private readonly closeListeners = new Set<(reason: CloseReason) => void>();
  private onLines?: (params: p.LogLinesParams) => void;
  private onChange?: (change: p.ServiceChangedParams) => void;

  constructor(
    readonly socketPath: string,
    private readonly transport: Transport,
    private readonly clock: Clock,
    private readonly timeoutMs: number,
  ) {
    this.connection = createMessageConnection(transport.reader, transport.writer);
    this.connection.onNotification(p.logLines, (params) => this.onLines?.(params));
    this.connection.onNotification(p.serviceChanged, (params) => this.onChange?.(params));
    this.connection.onClose(() => this.shutdown("lost"));
    // A read or write error leaves the link unusable; closing it rejects what is pending.
    this.connection.onError(() => transport.destroy());
    this.connection.listen();
  }

  /** The first call of every session (`openClient` makes it). */
  async negotiate(client: string | undefined, timeoutMs: number): Promise<void> {
    const params = { capabilities: [...p.CAPABILITIES], ...(client ? { client } : {}) };
    const result = await this.call(p.getCapabilities, params, timeoutMs);
    if (!result.capabilities.includes(p.V1)) {
      throw new ControlConnectError(
        "incompatible",
        this.socketPath,
        `the app host at ${this.socketPath} (berth ${result.version}) offers ` +
          `${result.capabilities.join(", ") || "nothing"}, and this berth needs ${p.V1}: ` +
          `use the same berth version for both`,
      );
    }
    this.capabilities = result.capabilities;
    this.hostVersion = result.version;
  }

  /** The host's info and every service. */
  describe(options?: CallOptions) {
    return this.call(p.describeHost, {}, options?.timeoutMs);
  }

  async logs(params: p.GetLogsParams = {}, options?: CallOptions) {
    return (await this.call(p.getLogs, params, options?.timeoutMs)).lines;
  }

  /** Answers the recent lines; `onLines` then gets each new batch. One follow per client. */
  async followLogs(
    params: p.GetLogsParams,
    onLines: (params: p.LogLinesParams) => void,
    options?: CallOptions,
  ) {
    const previous = this.onLines;
    this.onLines = onLines;
    try {
      return (await this.call(p.followLogs, params, options?.timeoutMs)).lines;
    } catch (error) {
      // The host kept the earlier follow (if any): keep its handler too.
      this.onLines = previous;
      throw error;
    }
  }

  /** Answers like `describe`; `onChange` then gets each state change. */
  watchServices(onChange: (change: p.ServiceChangedParams) => void, options?: CallOptions) {
    this.onChange = onChange;
    return this.call(p.watchServices, {}, options?.timeoutMs);
  }

  startService(name: string, options?: CallOptions) {
    return this.action(p.startService, name, options);
  }

  stopService(name: string, options?: CallOptions) {
    return this.action(p.stopService, name, options);
  }

  restartService(name: string, options?: CallOptions) {
    return this.action(p.restartService, name, options);
  }

  /** Waits on the host's side; this call's own bound is the wait's timeout plus a margin. */
  async waitForService(params: p.WaitForServiceParams) {
    const bound = (params.timeoutMs ?? p.DEFAULT_WAIT_MS) + this.timeoutMs;
    return (await this.call(p.waitForService, params, bound)).service;
  }

  /**
   * Keeps a host that `berth exec` started up while this session lasts (see `holdHost`).
   * False when the host does not know holds (it was started before they existed).
   */
  async hold(holder: string, options?: CallOptions): Promise<boolean> {
    if (!this.capabilities.includes(p.HOLD)) return false;
    await this.call(p.holdHost, { holder }, options?.timeoutMs);
    return true;
  }

  /** Resolves once the host has agreed to stop (it stops after answering). */
  async stopHost(options?: CallOptions) {
    await this.call(p.stopHost, {}, options?.timeoutMs);
  }

  /** Asks nothing more (a half close): the host answers what it was asked, then hangs up. */
  end(): void {
    this.transport.end();
  }

  /** Ends the session; pending calls reject with `ControlClosedError`. */
  close(): Promise<void> {
    this.shutdown("closed");
    return this.transport.closed;
  }

  /** Called once when the connection ends; returns a function that removes the listener. */
  onClose(listener: (reason: CloseReason) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  private async action(
    type: RequestType<p.ServiceParams, { service: p.ServiceInfo }, void>,
    service: string,
    options?: CallOptions,
  ) {
    return (await this.call(type, { service }, options?.timeoutMs ?? ACTION_TIMEOUT_MS)).service;
  }

  private async call<P, R>(type: RequestType<P, R, void>, params: P, timeoutMs = this.timeoutMs) {
    if (this.closed) throw new ControlClosedError(this.socketPath, type.method);
    const source = new CancellationTokenSource();
    let cancelTimer = () => {};
    const timedOut = new Promise<never>((_, reject) => {
      cancelTimer = this.clock.setTimeout(() => {
        // Tells the host to give up too (a wait stops watching); no answer is awaited.
        source.cancel();
        reject(new UnresponsiveError(this.socketPath, type.method, timeoutMs));
      }, timeoutMs);
    });
    try {
      // `params as never`: the library types params with a conditional type a generic P cannot meet.
      const answer = this.connection.sendRequest(type, params as never, source.token);
      return await Promise.race([answer, timedOut]);
    } catch (error) {
      throw this.toError(type.method, error);
    } finally {
      cancelTimer();
      source.dispose();
    }
  }

  private toError(method: string, error: unknown): Error {
    const closed =
      error instanceof ConnectionError ||
      (error instanceof ResponseError &&
        (error.code === ErrorCodes.PendingResponseRejected ||
          error.code === ErrorCodes.MessageWriteError));
    if (closed) return new ControlClosedError(this.socketPath, method, { cause: error });
    if (error instanceof ResponseError)
      return new ControlError(error.code, error.message, error.data);
    return error instanceof Error ? error : new Error(String(error));
  }

  private shutdown(reason: CloseReason): void {
    if (this.closed) return;
    this.closed = true;
    // Rejects every pending call, and closes the link: nothing of it keeps the process alive.
    this.connection.dispose();
    for (const listener of this.closeListeners) listener(reason);
  }
}

/** Why connecting failed, by the error's code ("failed" for any other). */
const kinds: Record<string, ConnectFailure> = {
  ENOENT: "missing",
  ENOTDIR: "missing",
  ECONNREFUSED: "refused",
  ENOTSOCK: "refused",
  EACCES: "denied",
  EPERM: "denied",
  EAGAIN: "timeout",
  ETIMEDOUT: "timeout",
};

const words: Record<ConnectFailure, string> = {
  missing: "there is no socket there",
  refused: "nothing is listening there",
  denied: "permission denied",
  timeout: "connecting timed out",
  incompatible: "no capability in common",
  failed: "connecting failed",
};

/** Connects to `socketPath`, or rejects with a `ControlConnectError` within `timeoutMs`. */
function connectSocket(socketPath: string, timeoutMs: number, clock: Clock): Promise<Socket> {
  const socket = createConnection(socketPath);
  return new Promise<Socket>((resolve, reject) => {
    const fail = (kind: ConnectFailure, cause?: unknown) => {
      cancel();
      socket.destroy();
      const detail = cause instanceof Error ? ` (${cause.message})` : "";
      const message = `cannot connect to ${socketPath}: ${words[kind]}${detail}`;
      reject(new ControlConnectError(kind, socketPath, message, { cause }));
    };
    const onError = (error: NodeJS.ErrnoException) =>
      fail(kinds[error.code ?? ""] ?? "failed", error);
    const cancel = clock.setTimeout(() => fail("timeout"), timeoutMs);
    socket.once("error", onError);
    socket.once("connect", () => {
      cancel();
      socket.off("error", onError);
      resolve(socket);
    });
  });
}
