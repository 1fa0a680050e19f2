import { randomUUID } from "node:crypto";
import { maskSecret } from "../model/mask-secret.js";
import type { NormalizedConfig } from "../config/normalized.js";
import type { AppModel } from "../model/app.js";
import { planApp } from "../model/plan.js";
import type { SupervisorEvent } from "../supervisor/events.js";
import { Supervisor } from "../supervisor/supervisor.js";
import { Guardian } from "./guardian.js";
import { withForceColor } from "./output/child-color.js";
import { prepareProject, type LockedProject, type PreparedProject } from "./prepare.js";
import { Holds } from "./holds.js";
import type { Dashboard } from "../dashboard/server.js";

export type Say = (level: "info" | "warn" | "error", text: string) => void;

export interface AppHostOptions {
  config: NormalizedConfig;
  /** Every supervisor event, and berth's own messages (as `message` events). */
  onEvent: (event: SupervisorEvent) => void;
  verbose?: boolean;
  /** Runs in the background (`berth run --detach`); the launching CLI's pid. */
  detached?: {
    launcherPid: number;
    /** Where the launcher sent this host's output; it becomes `host.log` once the lock is ours. */
    logFile?: string;
  };
  /** Use installed binary versions without looking up `latest` (ephemeral `berth exec`). */
  preferInstalled?: boolean;
  /** `FORCE_COLOR` for services that say nothing of colour (berth colours a terminal). */
  forceColor?: string;
  /** A stop asked for while opening: ends a binary's download (`open()` then rejects). */
  signal?: AbortSignal;
  /** The project's lock, taken already (`berth run` takes it before loading the config). */
  locked?: LockedProject;
  /** Serve the dashboard, unless the config turns it off (`berth run`; not `berth exec`). */
  dashboard?: boolean;
}

/**
 * One running app host: the project's lock and ports, the guardian, the supervisor and the
 * control socket, closed once, in reverse. `berth run` and `berth exec` both drive one;
 * neither reaches into the others' parts.
 *
 * `open()` takes the lock and ports and starts the guardian; `start()` opens the control
 * socket once the first service has spawned rather than before: loading the protocol code
 * takes a good part of a service's boot, so it is done while waiting for that instead of
 * ahead of it (a third of `berth exec`'s own start-up).
 */
export class AppHost {
  private stopWanted: () => void = () => {};
  /** Resolves once a stop was asked for (signal, control client) or every service ended. */
  readonly stopRequested = new Promise<void>((resolve) => (this.stopWanted = resolve));
  private closing?: Promise<void>;
  private stopping = false;
  /** Other `berth exec` commands using this host (see `Holds`). */
  readonly holds = new Holds();

  private control?: Promise<{ close(): Promise<void> }>;
  private dashboard?: Dashboard;

  private constructor(
    readonly app: AppModel,
    readonly supervisor: Supervisor,
    private readonly project: PreparedProject,
    private readonly guardian: Guardian,
    private readonly options: AppHostOptions,
    /** Resolves once a service's process has spawned. */
    private readonly firstSpawn: Promise<void>,
  ) {}

  static async open(options: AppHostOptions): Promise<AppHost> {
    const { config } = options;
    const runId = options.locked?.runId ?? randomUUID();
    const say: Say = (level, text) =>
      options.onEvent({ type: "message", level, text, time: Date.now() });
    const project = await prepareProject(config, {
      runId,
      say,
      preferInstalled: options.preferInstalled,
      signal: options.signal,
      locked: options.locked,
      dashboard: options.dashboard,
    });
    let guardian: Guardian | undefined;
    try {
      const app = planApp(config, {
        instance: project.instance,
        ports: project.ports,
        stateDir: project.stateDir,
        runId,
        executables: project.executables,
      });
      app.services = withForceColor(app.services, options.forceColor);
      guardian = Guardian.start(runId, app.services);
      const started = guardian;
      const groups = new Map<string, number>();
      let spawned = () => {};
      const firstSpawn = new Promise<void>((resolve) => (spawned = resolve));
      const supervisor = new Supervisor(app, {
        reservations: project.reservations,
        // The log files are readable by the user only, but a secret is kept in one place.
        hide: (text) => maskSecret(text, app.instance.secret),
        onProcess: (service, pgid) => {
          const previous = groups.get(service);
          if (previous !== undefined) started.untrack(previous);
          if (pgid === undefined) groups.delete(service);
          else {
            groups.set(service, pgid);
            started.track(service, pgid);
            spawned();
          }
          project.recordProcesses(groups);
        },
      });
      const host = new AppHost(app, supervisor, project, started, options, firstSpawn);
      supervisor.subscribe((event) => {
        options.onEvent(event);
        if (event.type === "state" && supervisor.finished) host.stopWanted();
      });
      return host;
    } catch (error) {
      guardian?.close();
      await project.release();
      throw error;
    }
  }

  /**
   * Opens the control socket and starts every service; resolves once each has settled, or
   * a stop was asked for. Rejects (and stops what started) when the socket cannot open.
   */
  async start(): Promise<void> {
    if (this.closing) throw new Error("AppHost.start() after close()");
    const started = Promise.race([this.supervisor.start(), this.stopRequested]);
    // Awaited below; until then a failure must not count as unhandled.
    started.catch(() => {});
    const settled = started.then(
      () => {},
      () => {},
    );
    // A host stopped or closed before anything spawned has no one to answer.
    const control = (this.control ??= Promise.race([this.firstSpawn, settled]).then(() =>
      this.closing || this.stopping ? { close: async () => {} } : this.openControl(),
    ));
    try {
      await control;
    } catch (error) {
      this.requestStop();
      // The socket's error is the one to report, whatever the services did meanwhile.
      await started.catch(() => {});
      throw error;
    }
    await started;
  }

  /** The dashboard's login link once it serves; null without one. */
  dashboardUrl(): string | null {
    return this.dashboard?.loginUrl() ?? null;
  }

  /** Opens the dashboard (when there is one), then the control socket, over one target. */
  private async openControl(): Promise<{ close(): Promise<void> }> {
    const { hostTarget, openControlSocket } = await import("./control-socket.js");
    const verbose = (text: string) => {
      if (this.options.verbose) this.say("info", text);
    };
    const target = hostTarget(this.supervisor, this.app, {
      detached: this.options.detached,
      stop: () => this.requestStop(),
      hold: (holder, until) => this.holds.add(holder, until),
      dashboardUrl: () => this.dashboardUrl(),
    });
    const hold = this.project.dashboard;
    if (hold) {
      const { startDashboard } = await import("../dashboard/server.js");
      const logFiles = new Map(this.app.services.map((s) => [s.name, s.logFile]));
      // The services run without it: a dashboard that cannot serve is worth a warning only.
      this.dashboard = await startDashboard({
        target,
        hold,
        secrets: [this.app.instance.secret],
        logFile: (service) => logFiles.get(service),
        dependsOn: () => Object.fromEntries(this.app.services.map((s) => [s.name, s.dependsOn])),
        log: (text) => this.say("warn", text),
      }).catch((error: unknown) => {
        this.say("warn", `the dashboard could not start: ${(error as Error).message}`);
        return undefined;
      });
    }
    const control = await openControlSocket(target, this.app, { verbose }).catch(
      async (error: unknown) => {
        await this.dashboard?.close();
        throw error;
      },
    );
    return {
      close: async () => {
        await control.close();
        await this.dashboard?.close();
      },
    };
  }

  private say(level: "info" | "warn", text: string): void {
    this.options.onEvent({ type: "message", level, text, time: Date.now() });
  }

  /** Begins stopping every service, in reverse dependency order. */
  requestStop(): void {
    this.stopping = true;
    this.stopWanted();
    void this.supervisor.stop();
  }

  /** Kills every service at once. */
  forceStop(): void {
    this.stopping = true;
    this.stopWanted();
    void this.supervisor.stop({ force: true });
  }

  /** Stops what still runs and releases everything: socket, guardian, ports, lock. Once. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.stopWanted();
      try {
        await this.supervisor.stop();
      } finally {
        // An opening still under way finishes first, so its socket is removed too.
        const control = await this.control?.catch(() => undefined);
        await control?.close();
        this.guardian.close();
        await this.project.release();
      }
    })();
    return this.closing;
  }
}
