import { randomUUID } from "node:crypto";
import type { Writable } from "node:stream";
import { resolveConfig } from "../config/index.js";
import { ExitCode } from "../errors.js";
import { planApp } from "../model/plan.js";
import { Supervisor } from "../supervisor/supervisor.js";
import type { SupervisorEvent } from "../supervisor/events.js";
import { TerminalReporter } from "./output/terminal-reporter.js";
import { prepareProject } from "./prepare.js";
import { Guardian } from "./guardian.js";
import { watchSignals } from "./signals.js";
import { openControlSocket } from "./control-socket.js";

export interface RunHostOptions {
  cwd: string;
  configPath?: string;
  /** Where the services' output and berth's messages go. */
  output: Writable;
  verbose?: boolean;
  /** Runs in the background (`berth run --detach`); the launching CLI's pid. */
  detached?: { launcherPid: number };
}

/**
 * One app host in the foreground: loads the config, takes the project's lock, chooses
 * ports, starts every service, and stops them all on Ctrl-C/SIGTERM/SIGHUP or when none is
 * left running. Returns the exit code. Shutdown runs once and settles every resource.
 */
export async function runHost(options: RunHostOptions): Promise<number> {
  const config = await resolveConfig({ cwd: options.cwd, configPath: options.configPath });
  const runId = randomUUID();
  const reporter = new TerminalReporter({ output: options.output });
  const say = (level: "info" | "warn" | "error", text: string) =>
    reporter.handle({ type: "message", level, text, time: Date.now() });

  const project = await prepareProject(config, { runId, say });
  const app = planApp(config, {
    instance: project.instance,
    ports: project.ports,
    stateDir: project.stateDir,
    runId,
  });
  reporter.setServices(app.services);

  const guardian = Guardian.start(runId);
  const groups = new Map<string, number>();
  const supervisor = new Supervisor(app, {
    reservations: project.reservations,
    onProcess: (service, pgid) => {
      const previous = groups.get(service);
      if (previous !== undefined) guardian.untrack(previous);
      if (pgid === undefined) groups.delete(service);
      else {
        groups.set(service, pgid);
        guardian.track(pgid);
      }
      project.recordProcesses(groups);
    },
  });

  let settle: () => void = () => {};
  const stopRequested = new Promise<void>((resolve) => (settle = resolve));
  let forced = false;
  supervisor.subscribe((event: SupervisorEvent) => {
    reporter.handle(event);
    if (event.type === "state" && supervisor.finished) settle();
  });
  const signals = watchSignals({
    onStop: (signal) => {
      say("info", `${signal}: stopping every service (press Ctrl-C again to force)`);
      stopHost();
    },
    onForce: () => {
      forced = true;
      say("warn", "stopping now: killing every service");
      void supervisor.stop({ force: true });
    },
  });

  const stopHost = () => {
    settle();
    void supervisor.stop();
  };
  let control: { close(): Promise<void> } | undefined;
  try {
    control = await openControlSocket(supervisor, app, {
      detached: options.detached,
      stop: stopHost,
      verbose: (text) => {
        if (options.verbose) say("info", text);
      },
    });
    say(
      "info",
      `starting ${app.services.length} services of ${app.instance.name} (${config.file})`,
    );
    await Promise.race([supervisor.start(), stopRequested]);
    if (!supervisor.finished) reportReady(supervisor, say);
    await stopRequested;
    await supervisor.stop();
  } finally {
    signals.dispose();
    await control?.close();
    guardian.close();
    await project.release();
  }
  if (forced) return ExitCode.interrupted;
  return supervisor.anyFailed ? ExitCode.serviceFailed : ExitCode.ok;
}

function reportReady(
  supervisor: Supervisor,
  say: (level: "info" | "warn" | "error", text: string) => void,
): void {
  const services = supervisor.services();
  const up = services.filter((s) => s.state === "ready" || s.state === "completed");
  const failed = services.filter((s) => s.state === "failed");
  const urls = services
    .filter((s) => s.state === "ready" && s.url)
    .map((s) => `${s.name} ${s.url}`);
  if (failed.length === 0) {
    say("info", `all ${up.length} services up${urls.length ? `: ${urls.join(", ")}` : ""}`);
  } else {
    say(
      "error",
      `${failed.length} of ${services.length} services failed (${failed.map((s) => s.name).join(", ")}); the others keep running`,
    );
  }
}
