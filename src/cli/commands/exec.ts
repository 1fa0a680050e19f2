import { spawn } from "node:child_process";
import { constants } from "node:os";
import { resolveConfig } from "../../config/index.js";
import type { NormalizedConfig } from "../../config/normalized.js";
import type { ServiceInfo } from "../../control/protocol.js";
import { BerthError, ExitCode } from "../../errors.js";
import { watchSignals } from "../../host/signals.js";
import { AppHost } from "../../host/app-host.js";
import { TerminalReporter } from "../../host/output/terminal-reporter.js";
import { appHostPathOf, type TrackedHost } from "../../monitor/tracked.js";
import { findConfig } from "../../config/find.js";
import { closest } from "../../config/suggest.js";
import { unresponsiveError } from "../../monitor/select.js";
import { projectHosts } from "../hosts.js";
import { serviceEnv, withDependencies } from "../exec-env.js";

export interface ExecOptions {
  cwd: string;
  configPath?: string;
  /** Start only these services (and what they depend on). */
  only?: string[];
  /** Show the services' output (on stderr) instead of only writing it to their log files. */
  logs: boolean;
  verbose: boolean;
  command: string[];
}

/**
 * `berth exec -- <command>`: runs one command with the project's services up. Uses the
 * running app host when there is one; otherwise starts an ephemeral one with the saved
 * state (same ports, instance, secret), and stops it afterwards whatever happens. Exits
 * with the command's exit code.
 */
export async function execCommand(options: ExecOptions): Promise<number> {
  if (options.command.length === 0) {
    throw new BerthError("USAGE", "berth exec needs a command: `berth exec -- npm test`.");
  }
  // Finding the file is enough to recognise a running host; loading it (TypeScript through
  // jiti) costs a few hundred milliseconds and is only needed to start one.
  const appHostPath = findConfig(options.cwd, options.configPath);
  const running = (await projectHosts(appHostPath)).filter(
    (host) => appHostPathOf(host) === appHostPath,
  );
  const live = running.find((host) => host.status === "live");
  if (live) return execAgainst(live, options);
  if (running[0]) throw unresponsiveError(running[0]);
  const config = await resolveConfig(options);
  const wanted = withDependencies(config, options.only);
  return execEphemeral(
    { ...config, services: config.services.filter((s) => wanted.has(s.name)) },
    options,
  );
}

/** The project's host already runs: wait for the services needed, then run the command. */
async function execAgainst(host: TrackedHost, options: ExecOptions): Promise<number> {
  const known = (host.services ?? []).map((s) => s.name);
  for (const name of options.only ?? []) {
    if (!known.includes(name)) {
      const guess = closest(name, known);
      throw new BerthError(
        "USAGE",
        `--only: the running app host has no service named "${name}"` +
          `${guess ? `; did you mean "${guess}"?` : ""} Its services are: ${known.join(", ")}.`,
      );
    }
  }
  // The host runs every service; those asked for (or all) must be up before the command.
  const wanted = options.only?.length ? options.only : known;
  const { connectControl } = await import("../../control/client.js");
  const client = await connectControl(host.socketPath);
  let services: ServiceInfo[];
  try {
    await Promise.all(
      wanted.map((name) =>
        client.waitForService({
          service: name,
          states: ["ready", "completed"],
          timeoutMs: 120_000,
        }),
      ),
    ).catch((error: unknown) => {
      throw bringUpFailed(error instanceof Error ? error.message : String(error));
    });
    services = await client.services();
  } finally {
    await client.close();
  }
  return runCommand(options.command, serviceEnv(services));
}

/** No host runs: start one just for this command, and stop it afterwards. */
async function execEphemeral(config: NormalizedConfig, options: ExecOptions): Promise<number> {
  const reporter = new TerminalReporter({ output: process.stderr });
  const host = await AppHost.open({
    config,
    verbose: options.verbose,
    // A one-off command runs with what is installed; `berth run` looks for newer versions.
    preferInstalled: true,
    onEvent: (event) => {
      if (
        options.logs ||
        event.type === "message" ||
        (event.type === "state" && event.state === "failed")
      ) {
        reporter.handle(event);
      }
    },
  });
  reporter.setServices(host.app.services);
  // While the services start, a signal stops them (a second Ctrl-C kills them) and the
  // command never runs; once it runs, runCommand leaves Ctrl-C to the command.
  let interrupted = false;
  const signals = watchSignals({
    onStop: () => {
      interrupted = true;
      host.requestStop();
    },
    onForce: () => host.forceStop(),
  });
  try {
    await host.start();
    if (interrupted) return ExitCode.interrupted;
    const services = host.supervisor.services();
    const failed = services.filter((s) => s.state === "failed" || s.state === "stopped");
    if (failed.length > 0) {
      throw bringUpFailed(
        failed.map((s) => `${s.name} ${s.state}: ${s.reason ?? "unknown reason"}`).join("; "),
      );
    }
    signals.dispose();
    return await runCommand(
      options.command,
      serviceEnv(
        host.app.services.map((s) => ({ name: s.name, port: s.port ?? null, url: s.url ?? null })),
      ),
    );
  } finally {
    signals.dispose();
    // Whatever ended the command (Ctrl-C included), the host stops; a signal meanwhile
    // must not kill berth before it has.
    const ignore = () => {};
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, ignore);
    await host.close();
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.off(signal, ignore);
  }
}

function bringUpFailed(why: string): BerthError {
  return new BerthError(
    "EXEC_SERVICES_FAILED",
    `The services did not come up, so the command did not run: ${why}`,
  );
}

/** Runs the command in the terminal with the services' URLs and ports in its environment. */
function runCommand(command: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), {
      stdio: "inherit",
      env: { ...process.env, ...env },
    });
    // Ctrl-C reaches the command from the terminal (it shares berth's foreground group):
    // berth waits for it to end. A SIGTERM or SIGHUP sent to berth alone is passed on.
    const wait = () => {};
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on("SIGINT", wait);
    process.on("SIGTERM", forward);
    process.on("SIGHUP", forward);
    const done = () => {
      process.off("SIGINT", wait);
      process.off("SIGTERM", forward);
      process.off("SIGHUP", forward);
    };
    child.once("error", (error: NodeJS.ErrnoException) => {
      done();
      reject(
        new BerthError(
          "USAGE",
          `Could not run \`${command.join(" ")}\`: ${error.code === "ENOENT" ? "no such command" : error.message}.`,
        ),
      );
    });
    child.once("exit", (code, signal) => {
      done();
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
    });
  });
}
