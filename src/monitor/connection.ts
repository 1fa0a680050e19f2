import { basename } from "node:path";
import { systemClock, type Clock } from "../clock.js";
import { parseSocketName } from "../control/address.js";
import type {
  HostDescription,
  HostInfo,
  ServiceChangedParams,
  ServiceInfo,
} from "../control/protocol.js";
import { BerthError, isBerthError } from "../errors.js";
import { ControlClosedError, ControlConnectError, UnresponsiveError } from "../control/errors.js";

/**
 * What the monitor needs from a control connection, kept this small so tests can pass a
 * fake and the monitor never depends on how the client frames its messages.
 */

/** An open connection to one app host's control socket. */
export interface HostConnection {
  describe(): Promise<HostDescription>;
  /** Answers like `describe`; then calls `onChange` for every service state change. */
  watchServices?(onChange: (change: ServiceChangedParams) => void): Promise<HostDescription>;
  /** Tells the host nothing more will be asked: it answers, then closes the connection. */
  end?(): void;
  close(): void | Promise<void>;
  /** Called once when the connection ends, whichever side ended it. */
  onClose(listener: () => void): unknown;
}

export interface ConnectOptions {
  timeoutMs: number;
  clock: Clock;
  /** Aborted when the caller has given up on the connection. */
  signal?: AbortSignal;
}

/** Opens a connection (the real one is `connectControl` from control/client). */
export type ConnectFn = (socketPath: string, options: ConnectOptions) => Promise<HostConnection>;

/**
 * Why a connection failed, as far as the monitor cares: `refused` (nobody listening) and
 * `closed` (the host dropped the connection before answering: it is stopping or restarting
 * its server) are retried with back-off; `missing` means the socket went away;
 * `unresponsive` means it accepted but did not answer.
 */
export type FailureKind = "refused" | "closed" | "missing" | "unresponsive" | "other";

/**
 * Tells connection failures apart: the control client's typed errors, a BerthError
 * `HOST_UNRESPONSIVE`, or a bare errno code (from any other connect function).
 *
 * @example
 * failureKind(new ControlConnectError("refused", path, "...")); // "refused"
 */
export function failureKind(error: unknown): FailureKind {
  if (error instanceof UnresponsiveError || isBerthError(error, "HOST_UNRESPONSIVE")) {
    return "unresponsive";
  }
  if (error instanceof ControlClosedError) return "closed";
  if (error instanceof ControlConnectError) {
    if (error.kind === "refused" || error.kind === "missing") return error.kind;
    return error.kind === "timeout" ? "unresponsive" : "other";
  }
  for (let e = error as ErrorLike | undefined, depth = 0; e && depth < 4; e = e.cause, depth++) {
    if (e.code === "ECONNREFUSED") return "refused";
    if (e.code === "ENOENT") return "missing";
    if (e.code === "ECONNRESET" || e.code === "EPIPE") return "closed";
    if (e.code === "ETIMEDOUT") return "unresponsive";
  }
  return "other";
}

interface ErrorLike {
  code?: unknown;
  cause?: ErrorLike;
}

/** A live connection with the host's answers. */
export interface Handshake {
  client: HostConnection;
  info: HostInfo;
  services: ServiceInfo[];
}

export interface HandshakeOptions {
  connect: ConnectFn;
  clock?: Clock;
  /** Bound on connecting and both answers together (default 2 s). */
  timeoutMs?: number;
  /** When given and the client can watch, services are watched instead of listed once. */
  onServiceChange?: (change: ServiceChangedParams) => void;
  /**
   * Tells a slow host from a hung one (`activityOf` of its pid): one still at work when the
   * time is up gets it again, up to `MAX_EXTENSIONS` times. Default: none, one deadline.
   */
  activity?: (pid: number) => () => boolean;
  /**
   * The caller closes the connection once it has the answer: the question says so (`end`),
   * and each host hangs up as it answers, with no wake-up of its own for the close.
   */
  lastQuestion?: boolean;
}

/**
 * How many more deadlines a host at work (or a client that ran late) gets: on a machine busy
 * with hundreds of processes, a healthy host can take seconds to be scheduled. One that keeps
 * working past them all is reported slow; one that does nothing, unresponsive.
 */
export const MAX_EXTENSIONS = 4;

export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 2000;

/** A deadline that fires later than this after it was due says the client itself was late. */
const LATE_MS = 20;

/**
 * Connects and asks for the host's info and services, all within `timeoutMs`: a host that
 * accepts but never answers rejects with `HOST_UNRESPONSIVE` instead of hanging, and the
 * connection is closed whenever it ends up unused.
 *
 * @example
 * const { client, info, services } = await handshake(socketPath, { connect: connectControl });
 */
export async function handshake(socketPath: string, options: HandshakeOptions): Promise<Handshake> {
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.timeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  let abandoned = false;
  let opened: HostConnection | undefined;
  const pid = parseSocketName(basename(socketPath))?.pid;
  const working = pid === undefined ? undefined : options.activity?.(pid);
  // The connection's own bound is a backstop, past the longest the deadline below can
  // stretch to: that one decides, and only it can tell a slow host from a hung one.
  const bound = timeoutMs * (MAX_EXTENSIONS + 3);
  const givenUp = new AbortController();
  const run = async (): Promise<Handshake> => {
    const client = await options.connect(socketPath, {
      timeoutMs: bound,
      clock,
      signal: givenUp.signal,
    });
    opened = client;
    if (abandoned) {
      // Too late: the caller has already been told the host is unresponsive.
      closeQuietly(client);
      throw new Error("abandoned");
    }
    const { onServiceChange } = options;
    const asked =
      onServiceChange && client.watchServices
        ? client.watchServices(onServiceChange)
        : client.describe();
    if (options.lastQuestion) client.end?.();
    const { host, services } = await asked;
    return { client, info: host, services };
  };
  try {
    return await withTimeout(run(), clock, timeoutMs, working, (waited, atWork) =>
      unresponsive(socketPath, waited, atWork),
    );
  } catch (error) {
    abandoned = true;
    givenUp.abort();
    if (opened) closeQuietly(opened);
    throw error;
  }
}

/**
 * A host that did not answer in time but was at work all along (using CPU, or running): it
 * is slow to answer, not proven hung. Same code (and exit code) as an unresponsive host.
 */
export class SlowHostError extends BerthError {}

/**
 * The error for a host that accepted a connection but did not answer in time: a
 * `SlowHostError` when it was still at work at the last look, else one that says it may be
 * hung (stopped, or idle without answering).
 */
export function unresponsive(socketPath: string, timeoutMs: number, atWork = false): BerthError {
  const pid = parseSocketName(basename(socketPath))?.pid;
  const process = pid === undefined ? "its process" : `its process (pid ${pid})`;
  if (atWork) {
    return new SlowHostError(
      "HOST_UNRESPONSIVE",
      `The app host at ${socketPath} is slow to answer: ${process} is at work but did not ` +
        `answer within ${timeoutMs} ms. Try again in a moment.`,
    );
  }
  return new BerthError(
    "HOST_UNRESPONSIVE",
    `The app host at ${socketPath} accepts connections but did not answer within ${timeoutMs} ms. ` +
      `It may be hung: wait a moment and try again, or stop ${process}.`,
  );
}

/** Closes without letting a failure to close escape: the connection is being dropped anyway. */
export function closeQuietly(client: HostConnection): void {
  try {
    void Promise.resolve(client.close()).catch(() => {});
  } catch {
    // already closed
  }
}

function withTimeout<T>(
  promise: Promise<T>,
  clock: Clock,
  ms: number,
  working: (() => boolean) | undefined,
  onTimeout: (waitedMs: number, atWork: boolean) => Error,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let extensions = 0;
    let cancel = () => {};
    const arm = () => {
      const due = clock.now() + ms;
      cancel = clock.setTimeout(() => {
        // A client starved of CPU (hundreds of processes starting at once) runs its timers
        // late, and before it reads an answer that may be waiting: its own lateness is not
        // the host's, so it waits again, as for a host at work.
        const late = clock.now() - due > LATE_MS;
        const atWork = working?.() ?? false;
        if ((late || atWork) && extensions < MAX_EXTENSIONS) {
          extensions++;
          return arm();
        }
        reject(onTimeout(ms * (1 + extensions), atWork));
      }, ms);
    };
    arm();
    promise.then(
      (value) => {
        cancel();
        resolve(value);
      },
      (error: unknown) => {
        cancel();
        reject(error);
      },
    );
  });
}
