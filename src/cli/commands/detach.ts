import { spawn } from "node:child_process";
import {
  closeSync,
  constants as fsConstants,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
} from "node:fs";
import { constants } from "node:os";
import { join } from "node:path";
import { resolveConfig } from "../../config/index.js";
import { appHostHash, socketAddress } from "../../control/address.js";
import { connectControl, type ControlClient } from "../../control/client.js";
import type { ServiceInfo } from "../../control/protocol.js";
import { BerthError, ExitCode } from "../../errors.js";
import { cleanupNotices } from "../../host/output/host-log.js";
import { HOST_LOG } from "../../host/lock.js";
import { hostSocketAddress } from "../../host/socket-address.js";
import { isAlive } from "../../platform/process-info.js";
import { ensureStateDir } from "../../model/state.js";
import { appHostPathOf } from "../../monitor/tracked.js";
import { unresponsiveError } from "../../monitor/select.js";
import { projectHosts } from "../hosts.js";
import { lastLines } from "../../supervisor/logs/log-files.js";
import { packageRoot } from "../../version.js";
import { table } from "../output/table.js";

const berthBin = join(packageRoot, "bin", "berth.cjs");
const SETTLED = new Set(["ready", "completed", "failed", "stopped"]);
const LAST_LINES = 15;
/** How long a host with nothing left running may take to stop before we stop waiting. */
const HOST_EXIT_WAIT_MS = 30_000;

/**
 * `berth run --detach`: starts the app host in the background (its own session, output to
 * `.berth/host.log`), waits until its socket is up and every service has settled, prints
 * the services and their URLs. Already running: says so and changes nothing.
 */
export async function detachCommand(options: {
  cwd: string;
  configPath?: string;
  /** Only these services and what they depend on (none: every service). */
  services?: string[];
}): Promise<number> {
  const config = await resolveConfig(options);
  const existing = (await projectHosts(config.file)).filter(
    (h) => appHostPathOf(h) === config.file,
  );
  const live = existing.find((h) => h.status === "live");
  if (live) {
    const leftOut = live.info?.leftOut ?? [];
    const asked = options.services?.length ? options.services : config.services.map((s) => s.name);
    const missing = asked.filter((name) => leftOut.includes(name));
    if (missing.length > 0) {
      const runs = (live.services ?? []).map((s) => s.name).join(", ");
      throw new BerthError(
        "ALREADY_RUNNING",
        `berth already runs ${config.file} (pid ${live.pid}), started without ` +
          `${missing.join(", ")}: it runs only ${runs}. Stop it (\`berth stop\`) and run ` +
          "again to include them.",
      );
    }
    say(
      `berth already runs ${config.file} (pid ${live.pid}); nothing changed. ` +
        "`berth logs` shows its output, `berth stop` stops it.",
    );
    printServices(live.services ?? []);
    if (live.info?.dashboardUrl) say(`dashboard: ${live.info.dashboardUrl}`);
    return ExitCode.ok;
  }
  if (existing[0]) throw unresponsiveError(existing[0]);

  hostSocketAddress(config.file); // a path too long for a socket: say so before starting
  const stateDir = await ensureStateDir(config.projectDir);
  const logFile = join(stateDir, HOST_LOG);
  // A file of the host's own until it holds the project's lock, when it makes it host.log:
  // a host that loses a race with another never truncates or writes into the winner's log.
  const ownLog = join(stateDir, `host.${process.pid}.starting.log`);
  removeAbandonedLogs(stateDir);
  // Appending: the host writes this file too, and rotates it in place (see host-log.ts).
  const { O_WRONLY, O_CREAT, O_TRUNC, O_APPEND } = fsConstants;
  const out = openSync(ownLog, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0o600);
  const child = spawn(
    process.execPath,
    [
      berthBin,
      "run",
      ...(options.services ?? []),
      "--config",
      config.file,
      "--host-detached",
      String(process.pid),
      "--host-log",
      ownLog,
    ],
    { cwd: config.projectDir, detached: true, stdio: ["ignore", out, out] },
  );
  closeSync(out);
  child.unref();
  let hostExit: number | undefined;
  const exited = new Promise<{ code: number }>((resolve) =>
    child.once("exit", (code, signal) => {
      hostExit = code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0);
      resolve({ code: hostExit });
    }),
  );

  const address = socketAddress(appHostHash(config.file), child.pid!);
  // No deadline of its own while the host lives: a first run may download a binary first.
  const connected = await Promise.race([
    waitForSocket(address.socketPath, () => hostExit !== undefined),
    exited,
  ]);
  if ("code" in connected) return hostEnded(connected.code, logFile, ownLog);
  const client = connected.client;
  for (const notice of cleanupNotices(logFile)) say(notice);
  try {
    const settled = await Promise.race([waitUntilSettled(client), exited]);
    // A host whose services all completed stops by itself, possibly before the answer.
    if ("code" in settled) return hostEnded(settled.code, logFile, ownLog);
    const services = settled.services;
    const failed = services.filter((s) => s.state === "failed");
    printServices(services);
    const dashboardUrl = await client
      .describe()
      .then((described) => described.host.dashboardUrl)
      .catch(() => null);
    if (dashboardUrl) say(`dashboard: ${dashboardUrl}`);
    if (failed.length === 0) {
      say(`berth runs in the background (pid ${child.pid}); \`berth stop\` stops it.`);
      return ExitCode.ok;
    }
    for (const service of failed) {
      // The host may already be stopping (no service left running): its log file still has
      // the lines.
      const lines = await client
        .logs({ service: service.name, tail: LAST_LINES })
        .then((found) => found.map((line) => line.text))
        .catch(() => []);
      const shown = lines.length > 0 ? lines : lastLinesOf(stateDir, service.name);
      process.stderr.write(
        `${service.name} failed: ${service.reason ?? "unknown reason"}\n` +
          shown.map((line) => `  ${line}\n`).join(""),
      );
    }
    if (services.some((s) => s.state === "ready")) {
      process.stderr.write(
        `berth keeps running the other services (pid ${child.pid}); \`berth stop\` stops them.\n`,
      );
    } else {
      // Nothing is left running, so the host stops by itself: say so once it has.
      let timer: NodeJS.Timeout | undefined;
      const ended = await Promise.race([
        exited,
        new Promise<undefined>((resolve) => {
          timer = setTimeout(() => resolve(undefined), HOST_EXIT_WAIT_MS);
        }),
      ]);
      clearTimeout(timer);
      process.stderr.write(
        ended
          ? `No service is left running, so the app host has exited (code ${ended.code}; its log: ${logFile}).\n`
          : `No service is left running, but the app host (pid ${child.pid}) has not exited; \`berth stop\` stops it.\n`,
      );
    }
    return ExitCode.serviceFailed;
  } finally {
    await client.close();
  }
}

/** Connects once the socket is up; gives up (undefined) once the host has exited. */
async function waitForSocket(
  socketPath: string,
  hostGone: () => boolean,
): Promise<{ client: ControlClient } | { code: number }> {
  for (;;) {
    try {
      return { client: await connectControl(socketPath) };
    } catch {
      if (hostGone()) return new Promise(() => {}); // the exit wins the race
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

/** Resolves with the services once every one is ready, completed, failed or stopped. */
function waitUntilSettled(client: ControlClient): Promise<{ services: ServiceInfo[] }> {
  return new Promise((resolve, reject) => {
    const current = new Map<string, ServiceInfo>();
    const check = () => {
      const services = [...current.values()];
      if (services.every((s) => SETTLED.has(s.state))) resolve({ services });
    };
    client
      .watchServices(({ service }) => {
        current.set(service.name, service);
        check();
      })
      .then(({ services }) => {
        for (const s of services) if (!current.has(s.name)) current.set(s.name, s);
        check();
      }, reject);
  });
}

/** The last lines its last process wrote to the service's log file, without berth's notes. */
function lastLinesOf(stateDir: string, service: string): string[] {
  // The file's tail only (a log file may be megabytes); notes and an earlier run are cut.
  const lines = lastLines(join(stateDir, "logs", `${service}.log`), LAST_LINES * 4);
  // Each process's lines follow berth's "--- starting: <command>" note.
  const start = lines.findLastIndex((line) => line.startsWith("--- starting"));
  return lines
    .slice(start + 1)
    .filter((line) => line !== "" && !line.startsWith("--- "))
    .slice(-LAST_LINES);
}

/**
 * The host exited before it was confirmed up: 0 means every service ran to completion;
 * 4, that services failed and none was left running; anything else is the host's own exit
 * code (a taken port, a bad binary…). The end of its log says why.
 */
function hostEnded(code: number, logFile: string, ownLog: string): number {
  // Still there: the host ended before it held the lock, so host.log is not its own.
  const own = readText(ownLog);
  if (own !== undefined) rmSync(ownLog, { force: true });
  if (code === 0) {
    say("every service ran to completion; the app host has exited.");
    return ExitCode.ok;
  }
  if (code === ExitCode.alreadyRunning && own !== undefined) {
    // Another berth started this project at the same moment, and won: its error says so.
    process.stderr.write(`${own.trimEnd()}\n`);
    return code;
  }
  const tail = (own ?? readText(logFile) ?? "").trimEnd().split("\n").slice(-20).join("\n");
  const what =
    code === ExitCode.serviceFailed
      ? "A service failed and no service was left running, so the app host has exited"
      : "The app host exited before its services were up";
  const where = own === undefined ? `; its log: ${logFile}` : "";
  process.stderr.write(`${tail}\n${what} (code ${code}${where}).\n`);
  return code;
}

/** Starting logs whose launcher is gone: it was killed before it could remove its own. */
function removeAbandonedLogs(stateDir: string): void {
  for (const name of readdirSync(stateDir)) {
    const launcher = /^host\.(\d+)\.starting\.log$/.exec(name)?.[1];
    if (launcher !== undefined && !isAlive(Number(launcher))) {
      rmSync(join(stateDir, name), { force: true });
    }
  }
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

function printServices(services: ServiceInfo[]): void {
  const rows = [["SERVICE", "STATE", "URL"]];
  for (const s of services) rows.push([s.name, s.state, s.url ?? "-"]);
  say(table(rows));
}

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}
