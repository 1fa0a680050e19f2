import { systemClock, type Clock } from "../clock.js";
import type { ServiceChangedParams } from "../control/protocol.js";
import { retryWithBackoff, type BackoffPolicy } from "./backoff.js";
import {
  closeQuietly,
  failureKind,
  handshake,
  type ConnectOptions,
  type Handshake,
  type HostConnection,
} from "./connection.js";
import { judgeCandidate, type OrphanVerdict } from "./orphans.js";
import { withSidecar, type Candidate } from "./scan.js";

/**
 * One attempt to reach a host through its socket, as both the long-lived monitor and the
 * one-shot `listHosts` make it: connect and ask; retry a refused or dropped connection by
 * the back-off unless the socket turns out to be an orphan; bound each attempt by the
 * handshake timeout.
 */

/** How reaching a host ended. */
export type Reach<C extends HostConnection = HostConnection> =
  | { outcome: "live"; handshake: Handshake & { client: C } }
  /** Failed, and its owner is dead or another process: for `sweepOrphans`. */
  | { outcome: "orphan"; verdict: OrphanVerdict }
  /** The socket went away meanwhile. */
  | { outcome: "missing" }
  /** Accepted but did not answer in time, kept refusing, or failed otherwise. */
  | { outcome: "unresponsive"; error: unknown }
  | { outcome: "aborted" };

export interface ReachOptions<C extends HostConnection = HostConnection> {
  connect: (socketPath: string, options: ConnectOptions) => Promise<C>;
  clock?: Clock;
  timeoutMs?: number;
  policy?: BackoffPolicy;
  signal?: AbortSignal;
  onServiceChange?: (change: ServiceChangedParams) => void;
  /** See `HandshakeOptions.activity`. */
  activity?: (pid: number) => () => boolean;
  /** See `HandshakeOptions.lastQuestion`. */
  lastQuestion?: boolean;
}

/** Thrown inside the retry loop to stop it when the socket turns out to be an orphan. */
class Orphaned extends Error {
  constructor(readonly verdict: OrphanVerdict) {
    super(`orphan: ${verdict.reason}`);
  }
}

/**
 * Reaches the host behind `candidate.socketPath`. Never rejects.
 *
 * @example
 * const reach = await reachHost(candidate, { connect: connectControl });
 * if (reach.outcome === "live") console.log(reach.handshake.info.appHostPath);
 */
export async function reachHost<C extends HostConnection>(
  candidate: Candidate,
  options: ReachOptions<C>,
): Promise<Reach<C>> {
  const clock = options.clock ?? systemClock;
  const attempt = async () => {
    try {
      return await handshake(candidate.socketPath, { ...options, clock });
    } catch (error) {
      // A failure is either a host that is starting, stopping or hung, or a socket nobody
      // will listen on again; the owner's PID and start time tell which. Asked every time:
      // a host killed a moment ago can still look alive (its sockets close before it exits).
      if (failureKind(error) !== "missing") {
        const verdict = judgeCandidate(withSidecar(candidate));
        if (verdict) throw new Orphaned(verdict);
      }
      throw error;
    }
  };
  try {
    const result = await retryWithBackoff(attempt, {
      clock,
      policy: options.policy,
      signal: options.signal,
      retryable: (error) => ["refused", "closed"].includes(failureKind(error)),
    });
    if (options.signal?.aborted) {
      closeQuietly(result.client);
      return { outcome: "aborted" };
    }
    return { outcome: "live", handshake: result as Handshake & { client: C } };
  } catch (error) {
    if (options.signal?.aborted) return { outcome: "aborted" };
    if (error instanceof Orphaned) return { outcome: "orphan", verdict: error.verdict };
    if (failureKind(error) === "missing") return { outcome: "missing" };
    return { outcome: "unresponsive", error };
  }
}
