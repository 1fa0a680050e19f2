import { scopeOf, type SelectableHost } from "../../monitor/select.js";
import { appHostPathOf, type TrackedHost } from "../../monitor/tracked.js";
import { allHosts } from "../hosts.js";
import { formatUptime, table } from "../output/table.js";

/** One host in `berth ps --json`; the shape is stable (see README). */
export interface PsEntry {
  appHostPath: string | null;
  instanceName: string | null;
  pid: number;
  status: "live" | "unresponsive";
  inScope: boolean;
  startedAt: string | null;
  uptimeMs: number | null;
  servicesReady: number | null;
  servicesTotal: number | null;
  dashboardUrl: string | null;
  detached: boolean | null;
  services: { name: string; state: string; url: string | null; pid: number | null }[];
}

/** `berth ps`: every app host on the machine. */
export async function psCommand(options: { cwd: string; json: boolean }): Promise<number> {
  const inScope = scopeOf(options.cwd);
  const entries = (await allHosts()).map((host) => toEntry(host, inScope));
  if (options.json) {
    process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
    return 0;
  }
  if (entries.length === 0) {
    process.stdout.write("No app host is running. Start one with `berth run`.\n");
    return 0;
  }
  const rows = [["PATH", "PID", "READY", "UPTIME", "DASHBOARD", "SCOPE"]];
  for (const e of entries) {
    rows.push([
      e.appHostPath ?? "?",
      String(e.pid),
      e.status === "live" ? `${e.servicesReady}/${e.servicesTotal}` : "unresponsive",
      e.uptimeMs === null ? "-" : formatUptime(e.uptimeMs),
      e.dashboardUrl ?? "-",
      e.inScope ? "here" : "",
    ]);
  }
  process.stdout.write(`${table(rows)}\n`);
  return 0;
}

function toEntry(host: TrackedHost, inScope: (host: SelectableHost) => boolean): PsEntry {
  const startedAt = host.info?.startedAt ?? host.sidecar?.startedAt ?? null;
  const services = host.services ?? [];
  return {
    appHostPath: appHostPathOf(host) ?? null,
    instanceName: host.info?.instanceName ?? null,
    pid: host.pid,
    status: host.status === "live" ? "live" : "unresponsive",
    inScope: inScope(host),
    startedAt,
    uptimeMs: startedAt === null ? null : Date.now() - Date.parse(startedAt),
    servicesReady: host.services ? services.filter((s) => s.ready).length : null,
    servicesTotal: host.services ? services.length : null,
    dashboardUrl: host.info?.dashboardUrl ?? null,
    detached: host.info?.detached ?? null,
    services: services.map((s) => ({ name: s.name, state: s.state, url: s.url, pid: s.pid })),
  };
}
