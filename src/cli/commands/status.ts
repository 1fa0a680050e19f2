import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { findConfig } from "../../config/find.js";
import { ExitCode } from "../../errors.js";
import { isPortFree } from "../../model/ports.js";
import { findPortHolder, describePortHolder } from "../../platform/port-holder.js";
import { appHostPathOf } from "../../monitor/tracked.js";
import { projectHosts } from "../hosts.js";
import { serviceCells, serviceEntry, type ServiceEntry } from "../output/services-table.js";
import { durationText } from "../../duration-text.js";
import { table } from "../output/table.js";

/** `berth status --json`; the shape is stable (see README). */
export interface StatusReport {
  status: "running" | "not-running" | "slow" | "unresponsive" | "port-taken";
  appHostPath: string;
  pid: number | null;
  servicesReady: number | null;
  servicesTotal: number | null;
  /** For `port-taken`: each saved port held by another process, and by whom. */
  takenPorts: { service: string; port: number; holder: string | null; instance: string | null }[];
  /** For `running`: each service's state, URL, pid, port and (failed, stopped) reason. */
  services: ServiceEntry[];
  /** For `running`: the dashboard's login link (null when it has none). */
  dashboardUrl: string | null;
}

const exitCodeOf: Record<StatusReport["status"], number> = {
  running: ExitCode.ok,
  "not-running": ExitCode.notRunning,
  slow: ExitCode.hostUnresponsive,
  unresponsive: ExitCode.hostUnresponsive,
  "port-taken": ExitCode.portTaken,
};

/**
 * `berth status`: this project's app host is running (with a row per service: state, URL,
 * pid, uptime, why it failed), not running, unresponsive, or not running while another
 * process (often another instance) holds one of its ports.
 */
export async function statusCommand(options: {
  cwd: string;
  configPath?: string;
  json: boolean;
}): Promise<number> {
  const appHostPath = findConfig(options.cwd, options.configPath);
  const hosts = (await projectHosts(appHostPath)).filter(
    (host) => appHostPathOf(host) === appHostPath,
  );
  const live = hosts.find((host) => host.status === "live");
  const report: StatusReport = {
    status: "not-running",
    appHostPath,
    pid: null,
    servicesReady: null,
    servicesTotal: null,
    takenPorts: [],
    services: [],
    dashboardUrl: null,
  };
  let line: string;
  if (live) {
    const services = live.services ?? [];
    Object.assign(report, {
      status: "running",
      pid: live.pid,
      servicesReady: services.filter((s) => s.ready).length,
      servicesTotal: services.length,
      services: services.map(serviceEntry),
      dashboardUrl: live.info?.dashboardUrl ?? null,
    });
    const now = Date.now();
    const up = live.info ? `, up ${durationText(now - Date.parse(live.info.startedAt))}` : "";
    line = `running (pid ${live.pid}, ${report.servicesReady}/${report.servicesTotal} services ready${up})`;
    if (services.length > 0) {
      const rows = [["SERVICE", "STATE", "URL", "PID", "UPTIME", "REASON"]];
      for (const service of services) {
        // Said for what went wrong or is about to change; "ready in 80 ms" is not news.
        const reason = EXPLAINED.has(service.state) ? (service.reason ?? "") : "";
        rows.push([...serviceCells(service, now), reason]);
      }
      line += `\n${indent(table(rows, { dropEmpty: true }))}`;
    }
  } else if (hosts[0]?.status === "slow") {
    Object.assign(report, { status: "slow", pid: hosts[0].pid });
    line = `slow to answer: pid ${hosts[0].pid} is at work but did not answer in time; try again in a moment, or \`berth stop\` ends it`;
  } else if (hosts.length > 0) {
    Object.assign(report, { status: "unresponsive", pid: hosts[0]!.pid });
    line = `unresponsive: pid ${hosts[0]!.pid} accepts connections but does not answer; \`berth stop\` ends it`;
  } else {
    report.takenPorts = await takenPorts(appHostPath);
    if (report.takenPorts.length > 0) {
      report.status = "port-taken";
      line =
        "not running, and another process holds its ports:\n" +
        report.takenPorts
          .map((t) => `  ${t.service}: port ${t.port} held by ${t.holder ?? "another process"}`)
          .join("\n");
    } else {
      line = "not running; start it with `berth run` or `berth run --detach`";
    }
  }
  if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(`${appHostPath}: ${line}\n`);
  return exitCodeOf[report.status];
}

const EXPLAINED = new Set(["failed", "stopped", "restarting"]);

function indent(text: string): string {
  return text.replace(/^/gm, "  ");
}

/** The ports saved for this project that something else now listens on. */
async function takenPorts(appHostPath: string): Promise<StatusReport["takenPorts"]> {
  let ports: Record<string, number> = {};
  try {
    // Read only: status must not touch the state (readState moves a corrupt file aside).
    const file = join(dirname(appHostPath), ".berth", "state.json");
    ports =
      (JSON.parse(readFileSync(file, "utf8")) as { ports?: Record<string, number> }).ports ?? {};
  } catch {
    return [];
  }
  const found = await Promise.all(
    Object.entries(ports).map(async ([service, port]) => {
      if (!Number.isInteger(port) || (await isPortFree(port))) return undefined;
      const holder = await findPortHolder(port);
      return {
        service,
        port,
        holder: (await describePortHolder(port)) ?? null,
        instance: holder?.berth?.instance ?? null,
      };
    }),
  );
  return found.filter((t) => t !== undefined);
}
