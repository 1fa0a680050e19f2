import { join } from "node:path";
import type { Writable } from "node:stream";
import { resolveConfig } from "../config/index.js";
import { selectServices } from "../config/select-services.js";
import { ExitCode } from "../errors.js";
import { plural } from "../plural.js";
import type { Supervisor } from "../supervisor/supervisor.js";
import { AppHost, type Say } from "./app-host.js";
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
  detached?: { launcherPid: number };
}

/**
 * `berth run`: one app host until Ctrl-C/SIGTERM/SIGHUP, a control client's stop, or no
 * service left running. Returns the exit code.
 */
export async function runHost(options: RunHostOptions): Promise<number> {
  const project = await resolveConfig({ cwd: options.cwd, configPath: options.configPath });
  const config = selectServices(project, options.only, "berth run");
  // In the background, berth's own lines go to `.berth/host.log` (rotated), and the services'
  // output only to their own logs: copied there too, a flood would fill the disk twice over.
  const detached = options.detached !== undefined;
  const reporter = detached
    ? new TerminalReporter({
        output: hostLog(join(config.projectDir, ".berth")),
        color: false,
      })
    : new TerminalReporter({ output: options.output });
  // Known before the host says anything: every `berth |` line is padded like the services'.
  reporter.setServices(config.services.map(({ name }) => ({ name })));
  const say: Say = (level, text) =>
    reporter.handle({ type: "message", level, text, time: Date.now() });
  const host = await AppHost.open({
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
  }).catch(async (error: unknown) => {
    await reporter.close();
    throw error;
  });
  reporter.setServices(host.app.services);
  reporter.hideSecret(host.app.instance.secret);

  let forced = false;
  const signals = watchSignals({
    onStop: (signal) => {
      say("info", `${signal}: stopping every service (press Ctrl-C again to force)`);
      host.requestStop();
    },
    onForce: () => {
      forced = true;
      say("warn", "stopping now: killing every service");
      host.forceStop();
    },
  });
  try {
    const { app } = host;
    const count =
      app.services.length < project.services.length
        ? `${app.services.length} of ${plural(project.services.length, "service")}`
        : plural(app.services.length, "service");
    say("info", `starting ${count} of ${app.instance.name} (${config.file})`);
    await host.start();
    if (!host.supervisor.finished) reportReady(host.supervisor, say);
    await host.stopRequested;
  } finally {
    await host.close();
    signals.dispose();
    await reporter.close();
  }
  if (forced) return ExitCode.interrupted;
  return host.supervisor.anyFailed ? ExitCode.serviceFailed : ExitCode.ok;
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
    say("info", `${all} up${urls.length ? `: ${urls.join(", ")}` : ""}`);
  } else {
    const names = failed.map((s) => s.name).join(", ");
    say(
      "error",
      `${failed.length} of ${plural(services.length, "service")} failed (${names}); the others keep running`,
    );
  }
}
