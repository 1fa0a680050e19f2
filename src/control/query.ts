/**
 * A one-question session for listings: connect, send `getCapabilities` asking for the
 * host's info and services in the same reply, read that one answer, hang up.
 *
 * `berth ps` asks every host on the machine at once, and in a short-lived process most of
 * a full connection's cost is setting it up (the library's request tracking, cancellation
 * and dispose paths, all cold). This uses the same framing (vscode-jsonrpc's reader and
 * writer) and the same errors as `connectControl`, without the session around them.
 */
import type { Socket } from "node:net";
import { ErrorCodes, type Message, type ResponseMessage } from "vscode-jsonrpc/node";
import { systemClock, type Clock } from "../clock.js";
import { incompatible, V1 } from "./capabilities.js";
import { connectSocket } from "./connect.js";
import { BoundedReader, SocketWriter } from "./connection.js";
import { ControlClosedError, ControlError, UnresponsiveError } from "./errors.js";
import * as p from "./protocol.js";

export interface QueryOptions {
  /** Bound on connecting and answering together (default 2000). */
  timeoutMs?: number;
  clock?: Clock;
  /** Who is asking, for the host's log ("berth-cli 0.1.0"). */
  client?: string;
}

/** What one host answered; the session is already over. */
export interface HostSnapshot {
  readonly socketPath: string;
  readonly capabilities: readonly string[];
  readonly hostVersion: string;
  info(): Promise<p.HostInfo>;
  services(): Promise<p.ServiceInfo[]>;
  /** Nothing to close: the socket was closed once the answer came. */
  close(): void;
  /** The session has ended already, so `listener` runs on the next tick. */
  onClose(listener: () => void): () => void;
}

/** A reply this long cannot be a listing of a sane host; it ends the session. */
const MAX_REPLY_BYTES = 8 * 1024 * 1024;
const REQUEST_ID = 0;

/**
 * Asks the host behind `socketPath` who it is and what it runs. Rejects like
 * `connectControl`: `ControlConnectError` (missing, refused, denied, timeout,
 * incompatible), `UnresponsiveError` when it accepts but does not answer in time,
 * `ControlClosedError` when it hangs up first, `ControlError` when it answers an error.
 *
 * @example
 * const host = await queryHost(socketPath, { client: "berth-cli 0.1.0" });
 * console.log((await host.info()).appHostPath, (await host.services()).length);
 */
export async function queryHost(
  socketPath: string,
  options: QueryOptions = {},
): Promise<HostSnapshot> {
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.timeoutMs ?? 2_000;
  const started = clock.now();
  const socket = await connectSocket(socketPath, timeoutMs, clock);
  const remaining = Math.max(1, Math.ceil(timeoutMs - (clock.now() - started)));
  const result = await ask(socket, socketPath, options.client, remaining, clock);
  return snapshot(socketPath, result);
}

function ask(
  socket: Socket,
  socketPath: string,
  client: string | undefined,
  timeoutMs: number,
  clock: Clock,
): Promise<p.GetCapabilitiesResult> {
  const method = p.getCapabilities.method;
  const reader = new BoundedReader(socket, MAX_REPLY_BYTES);
  const writer = new SocketWriter(socket);
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (error: Error | undefined, result?: p.GetCapabilitiesResult) => {
      if (done) return;
      done = true;
      cancelTimer();
      reader.dispose();
      writer.dispose(); // destroys the socket
      if (error) reject(error);
      else resolve(result!);
    };
    const cancelTimer = clock.setTimeout(
      () => finish(new UnresponsiveError(socketPath, method, timeoutMs)),
      timeoutMs,
    );
    reader.onError((error) => finish(new ControlClosedError(socketPath, method, { cause: error })));
    reader.onClose(() => finish(new ControlClosedError(socketPath, method)));
    reader.listen((message: Message) => {
      const response = message as ResponseMessage;
      // Anything but the answer (a notification, another id) is not for this session.
      if (response.id !== REQUEST_ID) return;
      if (response.error) {
        const { code, message: text, data } = response.error;
        finish(new ControlError(code, text, data));
        return;
      }
      const result = response.result as p.GetCapabilitiesResult | undefined;
      if (!result || !Array.isArray(result.capabilities)) {
        finish(
          new ControlError(ErrorCodes.InvalidRequest, `${method} got an answer of the wrong shape`),
        );
        return;
      }
      if (!result.capabilities.includes(V1)) {
        finish(incompatible(socketPath, result));
        return;
      }
      finish(undefined, result);
    });
    const params: p.GetCapabilitiesParams = {
      capabilities: [...p.CAPABILITIES],
      ...(client ? { client } : {}),
      include: ["hostInfo", "services"],
    };
    writer
      .write({ jsonrpc: "2.0", id: REQUEST_ID, method, params } as Message)
      .catch((error: unknown) =>
        finish(new ControlClosedError(socketPath, method, { cause: error })),
      );
  });
}

function snapshot(socketPath: string, result: p.GetCapabilitiesResult): HostSnapshot {
  const { hostInfo, services } = result;
  const missing = (what: string) =>
    new ControlError(
      ErrorCodes.InvalidRequest,
      `the app host at ${socketPath} (berth ${result.version}) did not include its ${what}; ` +
        `use the same berth version for both`,
    );
  return {
    socketPath,
    capabilities: result.capabilities,
    hostVersion: result.version,
    info: () => (hostInfo ? Promise.resolve(hostInfo) : Promise.reject(missing("info"))),
    services: () => (services ? Promise.resolve(services) : Promise.reject(missing("services"))),
    close: () => {},
    onClose: (listener) => {
      const timer = setImmediate(listener);
      return () => clearImmediate(timer);
    },
  };
}
