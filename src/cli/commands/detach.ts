import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { resolveConfig } from "../../config/index.js";
import { appHostHash, socketAddress } from "../../control/address.js";
import { connectControl, type ControlClient } from "../../control/client.js";
import type { ServiceInfo } from "../../control/protocol.js";
import { BerthError, ExitCode } from "../../errors.js";
import { ensureStateDir } from "../../model/state.js";
import { appHostPathOf } from "../../monitor/tracked.js";
import { allHosts, unresponsive } from "../hosts.js";
import { packageRoot } from "../../version.js";
import { table } from "../output/table.js";

const berthBin = join(packageRoot, "bin", "berth.js");
const SETTLED = new Set(["ready", "completed", "failed", "stopped"]);
/** Bound on the host getting its socket up (loading the config, choosing ports). */
const SOCKET_TIMEOUT_MS = 30_000;

/**
 * `berth run --detach`: starts the app host in the background (its own session, output to
 * `.berth/host.log`), waits until its socket is up and every service has settled, prints
 * the services and their URLs. Already running: says so and changes nothing.
 */
export async function detachCommand(options: {
  cwd: string;
  configPath?: string;
}): Promise<number> {
  const config = await resolveConfig(options);
  const existing = (await allHosts()).filter((h) => appHostPathOf(h) === config.file);
  const live = existing.find((h) => h.status === "live");
  if (live) {
    say(`berth already runs ${config.file} (pid ${live.pid}); nothing changed.`);
    printServices(live.services ?? []);
    return ExitCode.ok;
  }
  if (existing[0]) throw unresponsive(existing[0]);

  const stateDir = await ensureStateDir(config.projectDir);
  const logFile = join(stateDir, "host.log");
  const out = openSync(logFile, "w", 0o600);
  const child = spawn(
    process.execPath,
    [berthBin, "run", "--config", config.file, "--host-detached", String(process.pid)],
    { cwd: config.projectDir, detached: true, stdio: ["ignore", out, out] },
  );
  closeSync(out);
  child.unref();
  const exited = new Promise<number>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1))),
  );

  const address = socketAddress(appHostHash(config.file), child.pid!);
  const client = await Promise.race([
    waitForSocket(address.socketPath),
    exited.then((code) => hostDied(code, logFile)),
  ]);
  try {
    const services = await Promise.race([
      waitUntilSettled(client),
      exited.then((code) => hostDied(code, logFile)),
    ]);
    const failed = services.filter((s) => s.state === "failed");
    printServices(services);
    if (failed.length === 0) {
      say(`berth runs in the background (pid ${child.pid}); \`berth stop\` stops it.`);
      return ExitCode.ok;
    }
    for (const service of failed) {
      const lines = await client.logs({ service: service.name, tail: 15 });
      process.stderr.write(
        `${service.name} failed: ${service.reason ?? "unknown reason"}\n` +
          lines.map((l) => `  ${l.text}\n`).join(""),
      );
    }
    process.stderr.write(
      `berth keeps running the other services (pid ${child.pid}); \`berth stop\` stops them.\n`,
    );
    return ExitCode.serviceFailed;
  } finally {
    await client.close();
  }
}

async function waitForSocket(socketPath: string): Promise<ControlClient> {
  const deadline = Date.now() + SOCKET_TIMEOUT_MS;
  for (;;) {
    try {
      return await connectControl(socketPath);
    } catch (error) {
      if (Date.now() > deadline) {
        throw new BerthError(
          "HOST_UNRESPONSIVE",
          `The app host's control socket did not come up within ${SOCKET_TIMEOUT_MS / 1000} s (${socketPath}).`,
          { cause: error },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

/** Resolves with the services once every one is ready, completed, failed or stopped. */
function waitUntilSettled(client: ControlClient): Promise<ServiceInfo[]> {
  return new Promise((resolve, reject) => {
    const current = new Map<string, ServiceInfo>();
    const check = () => {
      if ([...current.values()].every((s) => SETTLED.has(s.state))) resolve([...current.values()]);
    };
    client
      .watchServices(({ service }) => {
        current.set(service.name, service);
        check();
      })
      .then((services) => {
        for (const s of services) if (!current.has(s.name)) current.set(s.name, s);
        check();
      }, reject);
  });
}

function hostDied(code: number, logFile: string): never {
  let tail = "";
  try {
    tail = readFileSync(logFile, "utf8").trimEnd().split("\n").slice(-20).join("\n");
  } catch {
    // no log written
  }
  process.stderr.write(`${tail}\n`);
  throw new BerthError(
    code === ExitCode.alreadyRunning ? "ALREADY_RUNNING" : "SERVICE_FAILED",
    `The app host exited with code ${code} before its services were up (its log: ${logFile}).`,
  );
}

function printServices(services: ServiceInfo[]): void {
  const rows = [["SERVICE", "STATE", "URL"]];
  for (const s of services) rows.push([s.name, s.state, s.url ?? "-"]);
  say(table(rows));
}

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}
