import type { Writable } from "node:stream";
import { cutList } from "../config/cut-list.js";
import { randomUUID } from "node:crypto";
import { findConfig, resolveConfig } from "../config/index.js";
import type { NormalizedConfig } from "../config/normalized.js";
import { selectServices } from "../config/select-services.js";
import { ExitCode } from "../errors.js";
import { plural } from "../plural.js";
import type { Supervisor } from "../supervisor/supervisor.js";
import { AppHost, type Say } from "./app-host.js";
import { lockProject, type LockedProject } from "./prepare.js";
import { hostLog } from "./output/host-log.js";
import { TerminalReporter } from "./output/terminal-reporter.js";
import { repeatsShownOutput } from "./shown-output.js";
import { watchSignals } from "./signals.js";

export interface RunHostOptions {
  cwd: string;
  configPath?: string;
  /** Start only these services and what they depend on (`berth run api`); default: all. */
  only?: readonly string[];
  /** Where the services' output and berth's messages go. */
  output: Writable;
  verbose?: boolean;
  /** Runs in the background (`berth run --detach`); the launching CLI's pid. */
  detached?: {
    launcherPid: number;
    /** Where the launcher sent this host's output; it becomes `host.log` once the lock is ours. */
    logFile?: string;
  };
}

/**
 * `berth run`: one app host until Ctrl-C/SIGTERM/SIGHUP, a control client's stop, or no
 * service left running. Returns the exit code.
 */
export async function runHost(options: RunHostOptions): Promise<number> {
  // The lock comes first: from its first moments, a starting host can be found (and
  // stopped) by it, though its config takes a while to load and its socket opens later.
  const file = findConfig(options.cwd, options.configPath);
  const locked = await lockProject(file, {
    runId: randomUUID(),
    claimLog: options.detached?.logFile,
  });
  const config = await loadWhileLocked(locked, () => {
    const project = resolveConfig({ cwd: options.cwd, configPath: file });
    return project.then((loaded) => ({
      project: loaded,
      config: selectServices(loaded, options.only, "berth run"),
    }));
  });
  // From here a stop (`berth stop` finds a starting host by its lock, Ctrl-C) may come before
  // there is a host to stop: it is kept, ends a binary's download, and is acted on once it
  // can be. A second Ctrl-C meanwhile ends berth (the next run cleans up after it).
  const early = new AbortController();
  let onStop = (signal: NodeJS.Signals) => early.abort(signal);
  let onForce = (): void => process.exit(ExitCode.interrupted);
  const signals = watchSignals({ onStop: (signal) => onStop(signal), onForce: () => onForce() });
  try {
    return await runProject(config, { ...options, locked }, early.signal, (stop, force) => {
      onStop = stop;
      onForce = force;
    });
  } finally {
    signals.dispose();
  }
}

/**
 * Loads the config while holding the lock: a failure releases it, and a stop meanwhile
 * (nothing runs yet, and loading cannot be cut short) releases it and ends berth.
 */
async function loadWhileLocked<T>(locked: LockedProject, load: () => Promise<T>): Promise<T> {
  // Taken before loading: a config's `process.exit()` is caught while it loads.
  const exit = process.exit;
  const stop = () => void locked.lock.release().finally(() => exit.call(process, ExitCode.ok));
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  for (const signal of signals) process.on(signal, stop);
  try {
    return await load();
  } catch (error) {
    await locked.lock.release();
    throw error;
  } finally {
    for (const signal of signals) process.off(signal, stop);
  }
}

async function runProject(
  { project, config }: { project: NormalizedConfig; config: NormalizedConfig },
  options: RunHostOptions & { locked: LockedProject },
  stopped: AbortSignal,
  onSignals: (stop: (signal: NodeJS.Signals) => void, force: () => void) => void,
): Promise<number> {
  // In the background, berth's own lines go to `.berth/host.log` (rotated; the lock is held,
  // so it is this host's), and the services' output only to their own logs: copied there
  // too, a flood would fill the disk twice over.
  const detached = options.detached !== undefined;
  const reporter = detached
    ? new TerminalReporter({ output: hostLog(options.locked.stateDir), color: false })
    : new TerminalReporter({ output: options.output });
  // Known before the host says anything: every `berth |` line is padded like the services'.
  reporter.setServices(config.services.map(({ name }) => ({ name })));
  const say: Say = (level, text) =>
    reporter.handle({ type: "message", level, text, time: Date.now() });
  const stoppedEarly = () => {
    say("info", `${String(stopped.reason)}: stopped before any service started`);
    return ExitCode.ok;
  };
  let host: AppHost;
  try {
    host = await AppHost.open({
      config,
      onEvent: (event) => {
        if (detached && event.type === "log") return;
        // In the background nothing was shown: a failure's last lines (at most 15) are kept,
        // so `run --detach` can show why when the host has already exited.
        if (detached || !repeatsShownOutput(event)) reporter.handle(event);
      },
      verbose: options.verbose,
      detached: options.detached,
      forceColor: reporter.childForceColor,
      signal: stopped,
      locked: options.locked,
      dashboard: true,
    });
  } catch (error) {
    const code = stopped.aborted ? stoppedEarly() : undefined;
    await reporter.close();
    if (code === undefined) throw error;
    return code;
  }
  reporter.setServices(host.app.services);
  reporter.hideSecret(host.app.instance.secret);

  let forced = false;
  onSignals(
    (signal) => {
      say("info", `${signal}: stopping every service (press Ctrl-C again to force)`);
      host.requestStop();
    },
    () => {
      forced = true;
      say("warn", "stopping now: killing every service");
      host.forceStop();
    },
  );
  try {
    if (stopped.aborted) return stoppedEarly();
    const { app } = host;
    const count =
      app.services.length < project.services.length
        ? `${app.services.length} of ${plural(project.services.length, "service")}`
        : plural(app.services.length, "service");
    say("info", `starting ${count} of ${app.instance.name} (${config.file})`);
    await host.start();
    if (!host.supervisor.finished) {
      reportReady(host.supervisor, say);
      const dashboard = host.dashboardUrl();
      // In the background the launcher prints it: a login link is kept out of host.log.
      if (dashboard && !detached) say("info", `dashboard: ${dashboard}`);
    }
    await host.stopRequested;
    if (host.supervisor.finished && !host.supervisor.isStopping) reportEnded(host.supervisor, say);
  } finally {
    await host.close();
    await reporter.close();
  }
  if (forced) return ExitCode.interrupted;
  return host.supervisor.anyFailed ? ExitCode.serviceFailed : ExitCode.ok;
}

/** No stop was asked for: every service ended by itself, and berth with them. */
function reportEnded(supervisor: Supervisor, say: Say): void {
  const failed = supervisor.services().filter((s) => s.state === "failed");
  if (failed.length === 0) say("info", "every service ran to completion; berth exits");
  else {
    const names = cutList(failed.map((s) => s.name));
    say("error", `no service is left running (failed: ${names}); berth exits`);
  }
}

function reportReady(supervisor: Supervisor, say: Say): void {
  const services = supervisor.services();
  const up = services.filter((s) => s.state === "ready" || s.state === "completed");
  const failed = services.filter((s) => s.state === "failed");
  const urls = services
    .filter((s) => s.state === "ready" && s.url)
    .map((s) => `${s.name} ${s.url}`);
  if (failed.length === 0) {
    const all = up.length === 1 ? "1 service" : `all ${up.length} services`;
    say("info", `${all} up${urls.length ? `: ${cutList(urls)}` : ""}`);
  } else {
    const names = cutList(failed.map((s) => s.name));
    say(
      "error",
      `${failed.length} of ${plural(services.length, "service")} failed (${names}); the others keep running`,
    );
  }
}
