import type { ServiceInfo } from "../control/protocol.js";
import { durationText } from "../duration-text.js";
import { ToolError } from "./errors.js";
import type { Host, HostView } from "./hosts.js";

const SETTLED = new Set(["ready", "completed", "failed", "stopped"]);

/** Where the wanted services stand when the wait ends. */
export interface Settled {
  services: ServiceInfo[];
  /** True when time ran out before all had settled. */
  timedOut: boolean;
}

/**
 * Waits until each service of `names` (every service of the host when undefined) is
 * ready, completed, failed or stopped, or `timeoutMs` passes. It follows the monitor's
 * live view of the host, not the host itself: a hung host costs the timeout, never more.
 */
export function waitForServices(
  view: HostView,
  host: Host,
  names: string[] | undefined,
  timeoutMs: number,
  /** The client cancelled the call: stop waiting. */
  signal?: AbortSignal,
): Promise<Settled> {
  return new Promise((resolve, reject) => {
    const wanted = (latest: Host) =>
      (latest.services ?? []).filter((s) => names === undefined || names.includes(s.name));
    const finish = (settle: () => void) => {
      cancel();
      offChanged();
      offRemoved();
      signal?.removeEventListener("abort", onAbort);
      settle();
    };
    const onAbort = () => finish(() => reject(signal?.reason));
    const check = (latest: Host) => {
      const services = wanted(latest);
      if (services.every((s) => SETTLED.has(s.state))) {
        finish(() => resolve({ services, timedOut: false }));
      }
    };
    const offChanged = view.monitor.on("changed", (changed) => {
      if (changed.socketPath === host.socketPath) check(changed);
    });
    const offRemoved = view.monitor.on("removed", (gone) => {
      if (gone.socketPath !== host.socketPath) return;
      finish(() =>
        reject(
          new ToolError(
            "HOST_GONE",
            `The app host (pid ${host.pid}) stopped while waiting. Its logs remain: get_logs reads them; start_project starts it again.`,
          ),
        ),
      );
    });
    const cancel = view.clock.setTimeout(() => {
      const latest = view.hosts().find((h) => h.socketPath === host.socketPath) ?? host;
      finish(() => resolve({ services: wanted(latest), timedOut: true }));
    }, timeoutMs);
    signal?.addEventListener("abort", onAbort, { once: true });
    if (signal?.aborted) onAbort();
    else check(view.hosts().find((h) => h.socketPath === host.socketPath) ?? host);
  });
}

/** "within 30 s" for messages. */
export function within(timeoutMs: number): string {
  return `within ${durationText(timeoutMs)}`;
}
