/**
 * `waitForService`: resolves once a service is in one of the wanted states, watching the
 * target's event stream rather than polling, and gives up after a timeout on the clock.
 */
import type { Clock } from "../clock.js";
import type { ServiceState } from "../supervisor/events.js";
import { durationText } from "../duration-text.js";
import { ControlError } from "./errors.js";
import { RpcErrorCode, type ServiceInfo } from "./protocol.js";
import type { ControlTarget } from "./target.js";

export interface WaitForStateOptions {
  target: ControlTarget;
  clock: Clock;
  service: string;
  states: ServiceState[];
  timeoutMs: number;
  /** Ends the wait early (the client cancelled, or its connection closed). */
  signal: AbortSignal;
}

function describe(info: ServiceInfo): string {
  return info.reason ? `${info.state} (${info.reason})` : info.state;
}

/**
 * Resolves with the service's info once its state is one of `states`. Rejects with
 * `timeout` (saying the state it is in) when time runs out, and with `invalidState` as
 * soon as the service fails, since a failed service stays failed until someone restarts it.
 */
export function waitForState(options: WaitForStateOptions): Promise<ServiceInfo> {
  const { target, service, states } = options;
  const wanted = states.join(" or ");
  return new Promise((resolve, reject) => {
    const cleanups: (() => void)[] = [];
    const finish = (settle: () => void) => {
      for (const cleanup of cleanups) cleanup();
      settle();
    };
    const check = (): boolean => {
      const info = target.service(service);
      if (states.includes(info.state)) finish(() => resolve(info));
      else if (info.state === "failed") {
        const message = `${service} failed and will not reach ${wanted} unless it is restarted: ${describe(info)}`;
        finish(() => reject(new ControlError(RpcErrorCode.invalidState, message)));
      } else return false;
      return true;
    };
    if (check()) return;

    cleanups.push(
      target.subscribe((event) => {
        if (event.type === "state" && event.service === service) check();
      }),
    );
    cleanups.push(
      options.clock.setTimeout(() => {
        const info = target.service(service);
        const message = `${service} did not reach ${wanted} within ${durationText(options.timeoutMs)}; it is ${describe(info)}`;
        finish(() => reject(new ControlError(RpcErrorCode.timeout, message)));
      }, options.timeoutMs),
    );
    const onAbort = () => finish(() => reject(options.signal.reason));
    options.signal.addEventListener("abort", onAbort, { once: true });
    cleanups.push(() => options.signal.removeEventListener("abort", onAbort));
    if (options.signal.aborted) onAbort();
  });
}
