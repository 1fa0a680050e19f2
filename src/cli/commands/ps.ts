import { findConfig } from "../../config/find.js";
import { scopeOf, type SelectableHost } from "../../monitor/select.js";
import { appHostPathOf, type TrackedHost } from "../../monitor/tracked.js";
import { allHosts } from "../hosts.js";
import { serviceCells, serviceEntry, type ServiceEntry } from "../output/services-table.js";
import { durationText } from "../../duration-text.js";
import { table } from "../output/table.js";

/** One host in `berth ps --json`; the shape is stable (see README). */
export interface PsEntry {
  appHostPath: string | null;
  instanceName: string | null;
  pid: number;
  /** `slow`: did not answer in time while at work; `unresponsive`: did not, and was not. */
  status: "live" | "slow" | "unresponsive";
  inScope: boolean;
  startedAt: string | null;
  uptimeMs: number | null;
  servicesReady: number | null;
  servicesTotal: number | null;
  dashboardUrl: string | null;
  detached: boolean | null;
  services: ServiceEntry[];
}

/**
 * `berth ps`: every app host on the machine (or, with `--config`, the project's), each
 * with a row per service: its state, URL, pid and uptime.
 */
export async function psCommand(options: {
  cwd: string;
  configPath?: string;
  json: boolean;
}): Promise<number> {
  const project =
    options.configPath === undefined ? undefined : findConfig(options.cwd, options.configPath);
  const inScope = scopeOf(options.cwd);
  const entries = (await allHosts())
    .filter((host) => project === undefined || appHostPathOf(host) === project)
    .map((host) => ({ host, entry: toEntry(host, inScope) }));
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify(
        entries.map((e) => e.entry),
        null,
        2,
      )}\n`,
    );
    return 0;
  }
  if (entries.length === 0) {
    const what = project === undefined ? "No app host is running" : `${project} is not running`;
    process.stdout.write(`${what}. Start one with \`berth run\`.\n`);
    return 0;
  }
  const now = Date.now();
  const rows = [["APP HOST / SERVICE", "STATE", "URL", "PID", "UPTIME", "SCOPE"]];
  for (const { host, entry: e } of entries) {
    rows.push([
      e.appHostPath ?? host.socketPath,
      e.status === "live"
        ? `${e.servicesReady}/${e.servicesTotal} ready`
        : e.status === "slow"
          ? "slow to answer"
          : "unresponsive",
      // The app host's row holds its dashboard's login link.
      e.dashboardUrl ?? "",
      String(e.pid),
      e.uptimeMs === null ? "" : durationText(e.uptimeMs),
      e.inScope ? "here" : "",
    ]);
    for (const service of host.services ?? []) rows.push([...serviceCells(service, now, "  "), ""]);
  }
  process.stdout.write(`${table(rows, { dropEmpty: true })}\n`);
  return 0;
}

function toEntry(host: TrackedHost, inScope: (host: SelectableHost) => boolean): PsEntry {
  const startedAt = host.info?.startedAt ?? host.sidecar?.startedAt ?? null;
  const services = host.services ?? [];
  return {
    appHostPath: appHostPathOf(host) ?? null,
    instanceName: host.info?.instanceName ?? null,
    pid: host.pid,
    status: host.status === "live" || host.status === "slow" ? host.status : "unresponsive",
    inScope: inScope(host),
    startedAt,
    uptimeMs: startedAt === null ? null : Date.now() - Date.parse(startedAt),
    servicesReady: host.services ? services.filter((s) => s.ready).length : null,
    servicesTotal: host.services ? services.length : null,
    dashboardUrl: host.info?.dashboardUrl ?? null,
    detached: host.info?.detached ?? null,
    services: services.map(serviceEntry),
  };
}
