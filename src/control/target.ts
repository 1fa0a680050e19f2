/**
 * What the control server needs from an app host. The host (src/host) implements it over
 * its supervisor; tests use a fake. The server never reaches past this interface, and masks
 * the instance secret in all it sends (mask.ts), so a target hands over plain values.
 */
import type { SupervisorEvent } from "../supervisor/events.js";
import type { HostInfo, LogEntry, ServiceInfo } from "./protocol.js";

/**
 * One running app host as the control socket sees it. Methods that name a service throw
 * `ControlError(RpcErrorCode.serviceNotFound, …)` for an unknown name, and
 * `ControlError(RpcErrorCode.shuttingDown, …)` for a start or restart while the host stops.
 */
export interface ControlTarget {
  info(): HostInfo;
  /** Every service, in config order; never environment values. */
  services(): ServiceInfo[];
  /** One service, as `services` shows it. */
  service(name: string): ServiceInfo;
  /** The supervisor's one event stream; returns a function that unsubscribes. */
  subscribe(listener: (event: SupervisorEvent) => void): () => void;
  /** The last `tail` lines of one service, or of all of them merged by time when undefined. */
  logs(service: string | undefined, tail: number): LogEntry[];
  startService(name: string): Promise<ServiceInfo>;
  stopService(name: string): Promise<ServiceInfo>;
  restartService(name: string): Promise<ServiceInfo>;
  /** Begins the host's shutdown and returns at once. */
  stopHost(): void;
  /**
   * Keeps the host up for `holder` until `until` aborts: a host started by `berth exec` for
   * its command waits for its holders before it stops. Others only note it.
   */
  hold(holder: string, until: AbortSignal): void;
}
