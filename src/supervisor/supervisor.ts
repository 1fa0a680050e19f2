import { mkdirSync } from "node:fs";
import { systemClock, type Clock } from "../clock.js";
import type { AppModel, ServiceModel } from "../model/app.js";
import type { LogLine, SupervisorEvent } from "./events.js";
import { ServiceRunner, type PortReservation, type ServiceSnapshot } from "./service.js";
import { changedText, ServiceWatch } from "./watch/service-watch.js";

export interface SupervisorOptions {
  clock?: Clock;
  /** Environment every service starts from; its own `env` is laid over it. Default: berth's. */
  baseEnv?: NodeJS.ProcessEnv;
  /** Ports reserved at planning time, released just before each service spawns. */
  reservations?: Map<string, PortReservation>;
  /** Told about each process group as it starts and ends (the host's crash guard). */
  onProcess?: (service: string, pgid: number | undefined) => void;
  /** Masks secrets in berth's own lines of the log files (`--- starting: <command>`). */
  hide?: (text: string) => string;
}

export type Listener = (event: SupervisorEvent) => void;

/**
 * Runs the services of one app: starts them in dependency order (independent ones in
 * parallel), and stops them in reverse order. Everything it does is published as events.
 */
export class Supervisor {
  private readonly runners = new Map<string, ServiceRunner>();
  private readonly listeners = new Set<Listener>();
  /** The watches of services with `watch`, from their first start until they are stopped. */
  private readonly watches = new Map<string, ServiceWatch>();
  private readonly clock: Clock;
  private stopping?: Promise<void>;
  private starting?: Promise<void>;

  constructor(
    readonly app: AppModel,
    options: SupervisorOptions = {},
  ) {
    const clock = (this.clock = options.clock ?? systemClock);
    for (const model of app.services) {
      this.runners.set(
        model.name,
        new ServiceRunner({
          model,
          clock,
          baseEnv: options.baseEnv ?? process.env,
          emit: (event) => this.emit(event),
          reservation: options.reservations?.get(model.name),
          onProcess: options.onProcess,
          hide: options.hide,
        }),
      );
    }
  }

  /** Adds an event listener; returns a function that removes it. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  services(): ServiceSnapshot[] {
    return [...this.runners.values()].map((runner) => runner.snapshot());
  }

  tail(service: string, lines: number): LogLine[] {
    return this.runner(service).tail(lines);
  }

  /**
   * Starts every service once its dependencies meet their conditions. Resolves when every
   * service has settled (ready, completed, failed, or skipped because a dependency failed).
   */
  start(): Promise<void> {
    this.starting ??= (async () => {
      // Every data folder exists before anything runs, so a task can use another
      // service's (`initdb -D {{services.db.dataDir}}`). Private, as PostgreSQL insists.
      for (const model of this.app.services) {
        try {
          mkdirSync(model.dataDir, { recursive: true, mode: 0o700 });
        } catch {
          // The service makes it again as it starts, and fails there with the reason.
        }
      }
      await Promise.all(this.app.services.map((model) => this.startWhenDependenciesAllow(model)));
    })();
    return this.starting;
  }

  /**
   * True when no service runs or will run again by itself: every one completed, failed or
   * exited. A service stopped on request does not count, since it may be started again;
   * nor does a watched one, which a change starts again.
   */
  get finished(): boolean {
    const runners = [...this.runners.values()];
    return (
      runners.every((r) => ["completed", "failed", "stopped"].includes(r.currentState)) &&
      !runners.some((r) => r.currentState === "stopped" && r.stoppedOnRequest) &&
      ![...this.watches.values()].some((watch) => watch.active)
    );
  }

  /** Resolves once the watched services' files are being watched (for tests and tools). */
  async watching(): Promise<void> {
    await Promise.all([...this.watches.values()].map((watch) => watch.ready));
  }

  /** Starts one service (again); resolves once it has settled. Its dependencies are not started. */
  async startService(name: string): Promise<ServiceSnapshot> {
    const runner = this.runner(name);
    if (this.stopping) throw new Error("berth is stopping");
    this.watchFiles(runner);
    await runner.start();
    return runner.snapshot();
  }

  /** Stops one service (and its watch); what depends on it keeps running. */
  async stopService(name: string): Promise<ServiceSnapshot> {
    const runner = this.runner(name);
    await this.unwatch(name);
    await runner.stop();
    return runner.snapshot();
  }

  /** Stops then starts one service; resolves once it has settled again. */
  async restartService(name: string): Promise<ServiceSnapshot> {
    const runner = this.runner(name);
    if (this.stopping) throw new Error("berth is stopping");
    await runner.stop();
    this.watchFiles(runner);
    await runner.start();
    return runner.snapshot();
  }

  /** True when a service of that name exists. */
  has(name: string): boolean {
    return this.runners.has(name);
  }

  /** True once the whole supervisor is stopping. */
  get isStopping(): boolean {
    return this.stopping !== undefined;
  }

  /** True when some service ended in failure. */
  get anyFailed(): boolean {
    return [...this.runners.values()].some((runner) => runner.currentState === "failed");
  }

  /**
   * Stops every service, dependents before what they depend on. Runs once; a call with
   * `force` while a stop is under way kills what is left at once.
   */
  stop(options: { force?: boolean } = {}): Promise<void> {
    // A runner's stop never rejects: its loop turns any error into the failed state.
    if (options.force)
      for (const runner of this.runners.values()) void runner.stop({ force: true });
    this.stopping ??= this.stopInOrder();
    return this.stopping;
  }

  private async startWhenDependenciesAllow(model: ServiceModel): Promise<void> {
    const runner = this.runner(model.name);
    const results = await Promise.all(
      model.dependsOn.map(async (dep) => ({
        dep,
        met: await this.runner(dep.name).reached(dep.condition),
      })),
    );
    if (this.stopping) return runner.skip("stopped", "berth is stopping");
    const unmet = results.find((result) => !result.met);
    if (unmet) {
      const reason =
        unmet.dep.condition === "completed"
          ? `dependency ${unmet.dep.name} did not complete successfully`
          : `dependency ${unmet.dep.name} failed`;
      return runner.skip("failed", reason);
    }
    this.watchFiles(runner);
    await runner.start();
  }

  /** Starts the service's watch, if it has one and it is not running yet. */
  private watchFiles(runner: ServiceRunner): void {
    const { name } = runner;
    const spec = this.app.services.find((s) => s.name === name)?.watch;
    if (!spec || this.watches.has(name) || this.stopping) return;
    const say = (level: "info" | "warn", text: string) =>
      this.emit({
        type: "message",
        level,
        service: name,
        text: `${name}: ${text}`,
        time: Date.now(),
      });
    const watch = new ServiceWatch({
      spec,
      clock: this.clock,
      restart: async (files) => {
        if (this.stopping || this.watches.get(name) !== watch) return;
        say("info", `${changedText(files)}; restarting`);
        runner.log.note(`--- ${changedText(files)}; restarting`);
        // Not a crash: the restart policy's count and window start afresh.
        await runner.stop();
        if (this.stopping || this.watches.get(name) !== watch) return;
        // Never rejects (a failure is the service's failed state); not awaited, so the next
        // batch of changes can restart it again while it is still starting.
        void runner.start();
      },
      onError: (error) => say("warn", `cannot watch its files: ${error.message}`),
    });
    this.watches.set(name, watch);
  }

  /** A watched service that failed or exited by itself: only a change starts it again. */
  private endedAwaitingChange(name: string, state: string): boolean {
    if (!this.watches.get(name)?.active) return false;
    return state === "failed" || (state === "stopped" && !this.runners.get(name)?.stoppedOnRequest);
  }

  private async unwatch(name: string): Promise<void> {
    const watch = this.watches.get(name);
    this.watches.delete(name);
    await watch?.close();
  }

  private async stopInOrder(): Promise<void> {
    // First, so that no change restarts a service that is being stopped.
    await Promise.all([...this.watches.keys()].map((name) => this.unwatch(name)));
    // Waves: every service whose dependents have all stopped stops at once, together with
    // the others in that position; with thousands of services that is most of them at once.
    const dependents = new Map<string, string[]>(this.app.services.map((s) => [s.name, []]));
    for (const service of this.app.services) {
      for (const dep of service.dependsOn) dependents.get(dep.name)?.push(service.name);
    }
    const done = new Map<string, Promise<void>>();
    const stopOne = (name: string): Promise<void> => {
      let promise = done.get(name);
      if (!promise) {
        const before = dependents.get(name) ?? [];
        promise = Promise.all(before.map(stopOne)).then(() => this.runner(name).close());
        done.set(name, promise);
      }
      return promise;
    };
    await Promise.all(this.app.services.map((s) => stopOne(s.name)));
  }

  private runner(name: string): ServiceRunner {
    const runner = this.runners.get(name);
    if (!runner) throw new Error(`unknown service ${name}`);
    return runner;
  }

  private emit(event: SupervisorEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A consumer's fault must not stop supervision.
      }
    }
    if (event.type === "state" && this.endedAwaitingChange(event.service, event.state)) {
      const text = `${event.service}: a change to its files will start it again`;
      this.emit({ type: "message", level: "info", service: event.service, text, time: Date.now() });
    }
  }
}
