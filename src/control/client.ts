/**
 * The client end of the control socket, used by the CLI, the monitor, the MCP server and
 * the dashboard. It imports only vscode-jsonrpc and node:net, so `berth ps` stays fast.
 *
 * Every call has a timeout: a host that accepts but never answers is reported as
 * unresponsive, never waited on.
 */
import type { Socket } from "node:net";
import {
  CancellationTokenSource,
  ConnectionError,
  ErrorCodes,
  ResponseError,
  type MessageConnection,
  type RequestType,
} from "vscode-jsonrpc/node";
import { systemClock, type Clock } from "../clock.js";
import { incompatible, V1 } from "./capabilities.js";
import { connectSocket } from "./connect.js";
import { openConnection } from "./connection.js";
import { ControlClosedError, ControlError, UnresponsiveError } from "./errors.js";
import * as p from "./protocol.js";

/** Default bound on connecting and on each query. */
export const DEFAULT_TIMEOUT_MS = 2_000;
/** Default bound on start/stop/restart: a start may wait out a readiness timeout (60 s). */
export const ACTION_TIMEOUT_MS = 120_000;
/** Default `timeoutMs` of `waitForService`, as the host applies it. */
export const WAIT_TIMEOUT_MS = 30_000;

export interface ConnectOptions {
  /** Bound on connecting plus `getCapabilities`, and the default for each query. Default 2000. */
  timeoutMs?: number;
  clock?: Clock;
  /** Who is asking, for the host's log ("berth-cli 0.1.0"). */
  client?: string;
}

export interface CallOptions {
  timeoutMs?: number;
}

/** `closed`: this client called `close()`. `lost`: the host ended it, or it broke. */
export type CloseReason = "closed" | "lost";

/** A live session with one app host. */
export interface ControlClient {
  readonly socketPath: string;
  /** The capabilities both ends understand (always includes `berth.v1`). */
  readonly capabilities: readonly string[];
  /** The host's berth version. */
  readonly hostVersion: string;
  readonly closed: boolean;
  info(options?: CallOptions): Promise<p.HostInfo>;
  services(options?: CallOptions): Promise<p.ServiceInfo[]>;
  logs(params?: p.GetLogsParams, options?: CallOptions): Promise<p.LogEntry[]>;
  /** Answers the recent lines; `onLines` then gets each new batch. One follow per client. */
  followLogs(
    params: p.GetLogsParams,
    onLines: (params: p.LogLinesParams) => void,
    options?: CallOptions,
  ): Promise<p.LogEntry[]>;
  /** Answers the current list; `onChange` then gets each state change. */
  watchServices(
    onChange: (change: p.ServiceChangedParams) => void,
    options?: CallOptions,
  ): Promise<p.ServiceInfo[]>;
  startService(name: string, options?: CallOptions): Promise<p.ServiceInfo>;
  stopService(name: string, options?: CallOptions): Promise<p.ServiceInfo>;
  restartService(name: string, options?: CallOptions): Promise<p.ServiceInfo>;
  /** Waits on the host's side; this call's own bound is the wait's timeout plus a margin. */
  waitForService(params: p.WaitForServiceParams): Promise<p.ServiceInfo>;
  /** Resolves once the host has agreed to stop (it stops after answering). */
  stopHost(options?: CallOptions): Promise<void>;
  /** Ends the session; pending calls reject with `ControlClosedError`. */
  close(): Promise<void>;
  /** Called once when the connection ends; returns a function that removes the listener. */
  onClose(listener: (reason: CloseReason) => void): () => void;
}

/**
 * Connects to an app host's control socket and negotiates capabilities. Rejects with
 * `ControlConnectError` (kind `missing`, `refused`, `denied`, `timeout`, `incompatible`)
 * or, when the host accepts but does not answer, `UnresponsiveError`.
 *
 * @example
 * const host = await connectControl(socketPath, { client: "berth-cli 0.1.0" });
 * try {
 *   console.log(await host.services());
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
  const client = new Client(socketPath, socket, clock, timeoutMs);
  try {
    const remaining = Math.max(1, Math.ceil(timeoutMs - (clock.now() - started)));
    await client.negotiate(options.client, remaining);
    return client;
  } catch (error) {
    await client.close();
    throw error;
  }
}

class Client implements ControlClient {
  capabilities: readonly string[] = [];
  hostVersion = "";
  closed = false;
  private readonly connection: MessageConnection;
  /** Rejects each pending call with `ControlClosedError` (naming its method). */
  private readonly pending = new Set<() => void>();
  private readonly closeListeners = new Set<(reason: CloseReason) => void>();
  private onLines?: (params: p.LogLinesParams) => void;
  private onChange?: (change: p.ServiceChangedParams) => void;

  constructor(
    readonly socketPath: string,
    private readonly socket: Socket,
    private readonly clock: Clock,
    private readonly timeoutMs: number,
  ) {
    this.connection = openConnection(socket);
    this.connection.onNotification(p.logLines, (params) => this.onLines?.(params));
    this.connection.onNotification(p.serviceChanged, (params) => this.onChange?.(params));
    this.connection.onClose(() => this.shutdown("lost"));
    // A read or write error leaves the stream unusable; closing it rejects what is pending.
    this.connection.onError(() => socket.destroy());
    this.connection.listen();
  }

  async negotiate(client: string | undefined, timeoutMs: number): Promise<void> {
    const params = { capabilities: [...p.CAPABILITIES], ...(client ? { client } : {}) };
    const result = await this.call(p.getCapabilities, params, timeoutMs);
    if (!result.capabilities.includes(V1)) throw incompatible(this.socketPath, result);
    this.capabilities = result.capabilities;
    this.hostVersion = result.version;
  }

  info(options?: CallOptions) {
    return this.call(p.getHostInfo, {}, options?.timeoutMs);
  }

  async services(options?: CallOptions) {
    return (await this.call(p.listServices, {}, options?.timeoutMs)).services;
  }

  async logs(params: p.GetLogsParams = {}, options?: CallOptions) {
    return (await this.call(p.getLogs, params, options?.timeoutMs)).lines;
  }

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

  async watchServices(onChange: (change: p.ServiceChangedParams) => void, options?: CallOptions) {
    this.onChange = onChange;
    return (await this.call(p.watchServices, {}, options?.timeoutMs)).services;
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

  async waitForService(params: p.WaitForServiceParams) {
    const bound = (params.timeoutMs ?? WAIT_TIMEOUT_MS) + this.timeoutMs;
    return (await this.call(p.waitForService, params, bound)).service;
  }

  async stopHost(options?: CallOptions) {
    await this.call(p.stopHost, {}, options?.timeoutMs);
  }

  close(): Promise<void> {
    this.shutdown("closed");
    if (this.socket.closed) return Promise.resolve();
    return new Promise((resolve) => this.socket.once("close", () => resolve()));
  }

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

  private call<P, R>(type: RequestType<P, R, void>, params: P, timeoutMs = this.timeoutMs) {
    if (this.closed) return Promise.reject(new ControlClosedError(this.socketPath, type.method));
    return new Promise<R>((resolve, reject) => {
      const source = new CancellationTokenSource();
      let done = false;
      const settle = (finish: () => void) => {
        if (done) return;
        done = true;
        this.pending.delete(onClosed);
        cancelTimer();
        finish();
      };
      const abort = (error: Error) => settle(() => reject(error));
      const onClosed = () => abort(new ControlClosedError(this.socketPath, type.method));
      const cancelTimer = this.clock.setTimeout(() => {
        // Tells the host to give up too (a wait stops watching); no answer is awaited.
        source.cancel();
        abort(new UnresponsiveError(this.socketPath, type.method, timeoutMs));
      }, timeoutMs);
      this.pending.add(onClosed);
      try {
        // `params as never`: the library types params with a conditional type a generic P cannot meet.
        this.connection.sendRequest(type, params as never, source.token).then(
          (result) => settle(() => resolve(result)),
          (error: unknown) => abort(this.toError(type.method, error)),
        );
      } catch (error) {
        abort(this.toError(type.method, error));
      }
    });
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
    for (const onClosed of [...this.pending]) onClosed();
    // Disposing destroys the socket: nothing of this client keeps the process alive.
    this.connection.dispose();
    for (const listener of this.closeListeners) listener(reason);
  }
}
