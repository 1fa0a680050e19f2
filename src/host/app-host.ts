import { randomUUID } from "node:crypto";
import type { NormalizedConfig } from "../config/normalized.js";
import type { AppModel } from "../model/app.js";
import { planApp } from "../model/plan.js";
import type { SupervisorEvent } from "../supervisor/events.js";
import { Supervisor } from "../supervisor/supervisor.js";
import { openControlSocket } from "./control-socket.js";
import { Guardian } from "./guardian.js";
import { prepareProject, type PreparedProject } from "./prepare.js";

export type Say = (level: "info" | "warn" | "error", text: string) => void;

export interface AppHostOptions {
  config: NormalizedConfig;
  /** Every supervisor event, and berth's own messages (as `message` events). */
  onEvent: (event: SupervisorEvent) => void;
  verbose?: boolean;
  /** Runs in the background (`berth run --detach`); the launching CLI's pid. */
  detached?: { launcherPid: number };
  /** Use installed binary versions without looking up `latest` (ephemeral `berth exec`). */
  preferInstalled?: boolean;
}

/**
 * One running app host: the project's lock and ports, the guardian, the supervisor and the
 * control socket, opened in that order and closed once, in reverse. `berth run` and
 * `berth exec` both drive one; neither reaches into the others' parts.
 */
export class AppHost {
  private stopWanted: () => void = () => {};
  /** Resolves once a stop was asked for (signal, control client) or every service ended. */
  readonly stopRequested = new Promise<void>((resolve) => (this.stopWanted = resolve));
  private closing?: Promise<void>;

  private constructor(
    readonly app: AppModel,
    readonly supervisor: Supervisor,
    private readonly project: PreparedProject,
    private readonly guardian: Guardian,
    private control: { close(): Promise<void> } | undefined,
  ) {}

  static async open(options: AppHostOptions): Promise<AppHost> {
    const { config } = options;
    const runId = randomUUID();
    const say: Say = (level, text) =>
      options.onEvent({ type: "message", level, text, time: Date.now() });
    const project = await prepareProject(config, {
      runId,
      say,
      preferInstalled: options.preferInstalled,
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
      guardian = Guardian.start(runId);
      const started = guardian;
      const groups = new Map<string, number>();
      const supervisor = new Supervisor(app, {
        reservations: project.reservations,
        onProcess: (service, pgid) => {
          const previous = groups.get(service);
          if (previous !== undefined) started.untrack(previous);
          if (pgid === undefined) groups.delete(service);
          else {
            groups.set(service, pgid);
            started.track(pgid);
          }
          project.recordProcesses(groups);
        },
      });
      const host = new AppHost(app, supervisor, project, started, undefined);
      supervisor.subscribe((event) => {
        options.onEvent(event);
        if (event.type === "state" && supervisor.finished) host.stopWanted();
      });
      host.control = await openControlSocket(supervisor, app, {
        detached: options.detached,
        stop: () => host.requestStop(),
        verbose: (text) => {
          if (options.verbose) say("info", text);
        },
      });
      return host;
    } catch (error) {
      guardian?.close();
      await project.release();
      throw error;
    }
  }

  /** Starts every service; resolves once each has settled, or a stop was asked for. */
  async start(): Promise<void> {
    await Promise.race([this.supervisor.start(), this.stopRequested]);
  }

  /** Begins stopping every service, in reverse dependency order. */
  requestStop(): void {
    this.stopWanted();
    void this.supervisor.stop();
  }

  /** Kills every service at once. */
  forceStop(): void {
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
        await this.control?.close();
        this.guardian.close();
        await this.project.release();
      }
    })();
    return this.closing;
  }
}
