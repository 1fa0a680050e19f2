import type { Sidecar } from "../control/address.js";
import type { HostInfo, ServiceInfo } from "../control/protocol.js";
import type { HostConnection } from "./connection.js";

/**
 * - `connecting`: found, not answered yet (or reconnecting after its connection closed).
 * - `live`: connected; `info` and `services` are current.
 * - `slow`: did not answer in time, but was at work all along (CPU used, or running).
 * - `unresponsive`: did not answer and was not at work (stopped, or idle), or kept refusing;
 *   tried again on the next scan.
 * - `gone`: its socket went away (only in a `removed` event).
 */
export type HostStatus = "connecting" | "live" | "slow" | "unresponsive" | "gone";

/** One app host as the monitor (or `listHosts`) sees it. */
export interface TrackedHost<C extends HostConnection = HostConnection> {
  socketPath: string;
  hash: string;
  /** From the socket's name. */
  pid: number;
  /**
   * `undefined` when the sidecar is missing or unreadable, and in `listHosts` for a live
   * host (its info says the same; the file is not read).
   */
  sidecar?: Sidecar | undefined;
  status: HostStatus;
  /** The host's answers, from the last time it was live. */
  info?: HostInfo;
  services?: ServiceInfo[];
  /** The open connection while `live` (owned by the monitor: do not close it). */
  client?: C;
  /** Why it is `slow` or `unresponsive`, in words. */
  error?: string;
}

/**
 * The host's config path: from its own answer when it gave one, else from its sidecar.
 *
 * @example
 * appHostPathOf(host); // "/home/me/shop/berth.config.ts"
 */
export function appHostPathOf(host: Pick<TrackedHost, "info" | "sidecar">): string | undefined {
  return host.info?.appHostPath ?? host.sidecar?.appHostPath;
}

/** Hosts in a stable order: by config path, then PID. */
export function byPathThenPid(a: TrackedHost, b: TrackedHost): number {
  const pathA = appHostPathOf(a) ?? a.socketPath;
  const pathB = appHostPathOf(b) ?? b.socketPath;
  return pathA < pathB ? -1 : pathA > pathB ? 1 : a.pid - b.pid;
}
