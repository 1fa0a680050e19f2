import type { ServiceInfo } from "../control/protocol.js";
import { appHostPathOf } from "../monitor/tracked.js";
import { inScope } from "../monitor/select.js";
import type { Host } from "./hosts.js";

/**
 * How hosts and services read in tool answers: only what an agent acts on, and nothing
 * from a service's environment (the host never sends it; its command comes masked).
 */

export function serviceView(service: ServiceInfo, dependsOn?: string[]) {
  return {
    name: service.name,
    state: service.state,
    ready: service.ready,
    oneshot: service.oneshot,
    pid: service.pid,
    port: service.port,
    url: service.url,
    restarts: service.restarts,
    exitCode: service.exitCode,
    reason: service.reason,
    startedAt: service.startedAt,
    readyAt: service.readyAt,
    ...(dependsOn ? { dependsOn } : {}),
  };
}

/** `api  ready  http://localhost:4001  (pid 123)`. */
export function serviceLine(service: ServiceInfo, dependsOn?: string[]): string {
  const parts = [service.name, service.state];
  if (service.url) parts.push(service.url);
  else if (service.port) parts.push(`port ${service.port}`);
  if (service.pid) parts.push(`pid ${service.pid}`);
  if (service.restarts) parts.push(`${service.restarts} restarts`);
  if (service.exitCode !== null && service.state !== "ready")
    parts.push(`exit code ${service.exitCode}`);
  if (service.reason && service.state !== "ready") parts.push(`(${service.reason})`);
  if (dependsOn?.length) parts.push(`depends on ${dependsOn.join(", ")}`);
  return parts.join("  ");
}

/**
 * The dashboard's address without its one-time login token: a token in an agent's
 * transcript is a login for whoever reads it. The user gets a fresh link from `berth dashboard`.
 */
function dashboardAddress(url: string | null): string | null {
  if (url === null) return null;
  try {
    return new URL(url).origin + "/";
  } catch {
    return null;
  }
}

export function hostView(host: Host, cwd: string, selected: boolean) {
  const services = host.services ?? [];
  return {
    appHostPath: appHostPathOf(host) ?? null,
    pid: host.pid,
    status: host.status,
    inScope: inScope(host, cwd),
    selected,
    instanceName: host.info?.instanceName ?? null,
    servicesReady: services.filter((s) => s.ready).length,
    servicesTotal: services.length,
    dashboardUrl: dashboardAddress(host.info?.dashboardUrl ?? null),
    startedAt: host.info?.startedAt ?? host.sidecar?.startedAt ?? null,
    detached: host.info?.detached ?? null,
    version: host.info?.version ?? host.sidecar?.version ?? null,
    ...(host.error ? { error: host.error } : {}),
  };
}
