import type { ServiceInfo } from "../../control/protocol.js";
import { durationText } from "../../duration-text.js";

/** One service as `ps` and `status` show it, in `--json` (the shape is stable: README). */
export interface ServiceEntry {
  name: string;
  state: string;
  url: string | null;
  pid: number | null;
  port: number | null;
  /** Why, in words, for a failed, stopped or restarting service; else null. */
  reason: string | null;
}

export function serviceEntry(service: ServiceInfo): ServiceEntry {
  return {
    name: service.name,
    state: service.state,
    url: service.url,
    pid: service.pid,
    port: service.port,
    reason: service.reason,
  };
}

/**
 * A service's cells under the columns STATE, URL, PID, UPTIME (empty where it has none),
 * with the name first, indented by `indent`.
 */
export function serviceCells(service: ServiceInfo, now: number, indent = ""): string[] {
  const running = service.pid !== null && service.startedAt !== null;
  return [
    `${indent}${service.name}`,
    service.state,
    service.url ?? "",
    service.pid === null ? "" : String(service.pid),
    running ? durationText(now - Date.parse(service.startedAt!)) : "",
  ];
}
