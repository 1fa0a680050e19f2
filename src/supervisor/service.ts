import { mkdirSync } from "node:fs";
import { sleep, type Clock } from "../clock.js";
import { BerthError, isBerthError } from "../errors.js";
import type { DependencyCondition, ServiceModel } from "../model/app.js";
import type { LogLine, LogStream, ServiceState, SupervisorEvent } from "./events.js";
import { ServiceLog } from "./logs/service-log.js";
import { waitUntilReady } from "./readiness/wait-ready.js";
import { commandNotFound } from "./command-not-found.js";
import { durationText } from "../duration-text.js";
import { decideRestart, describeExit, SPAWN_RETRIES, spawnRetryDelay } from "./restart-policy.js";
import { fileProblem } from "../file-errors.js";
import {
  spawnInGroup,
  transientSpawnCode,
  transientSpawnText,
  type SpawnedProcess,
} from "./spawn.js";
import { stopGroup } from "./stop-group.js";
import { signalGroup } from "../platform/process-group.js";

/** Something that keeps a port reserved until the service is about to bind it. */
export interface PortReservation {
  release(): Promise<void>;
}

export interface ServiceRunnerOptions {
  model: ServiceModel;
  clock: Clock;
  /** The environment the service's own `env` is laid over (berth's, normally). */
  baseEnv: NodeJS.ProcessEnv;
  emit: (event: SupervisorEvent) => void;
  reservation?: PortReservation;
  /** Told about each process group as it starts (pgid) and ends (undefined). */
  onProcess?: (service: string, pgid: number | undefined) => void;
  /** Lines of the log kept in memory. */
  ringLines?: number;
  /** Masks secrets in berth's own lines of the log file (`--- starting: <command>`). */
  hide?: (text: string) => string;
}

/** What a reader may know about a service at one moment; never its environment. */
export interface ServiceSnapshot {
  name: string;
  state: ServiceState;
  pid?: number;
  port?: number;
  url?: string;
  restarts: number;
  exitCode?: number | null;
  /** Wall-clock ms when the current process started. */
  startedAt?: number;
  /** Wall-clock ms when it last became ready. */
  readyAt?: number;
  reason?: string;
}

const LAST_LINES = 15;

type Exit = { code: number | null; signal: NodeJS.Signals | null };
/** A spawn that failed for a reason that may pass (see `transientSpawnCode`). */
type SpawnFailure = { spawnFailed: Error; code: string };

/**
 * One service's life: spawn, readiness, restarts with back-off, stop. Every change is
 * published as an event; dependents wait on `reached()`.
 */
export class ServiceRunner {
  readonly name: string;
  readonly log: ServiceLog;
  private state: ServiceState = "pending";
  private restarts = 0;
  private readonly restartTimes: number[] = [];
  private current?: SpawnedProcess;
  private stopping?: Promise<void>;
  /** One per life (start → stop); a stop aborts it, and a later start makes a new one. */
  private stopController = new AbortController();
  private closed = false;
  /** Set when the last stop was asked for (by the host or a control client), not an exit. */
  private stoppedByRequest = false;
  private everStarted = false;
  private everReady = false;
  private lastExit?: Exit;
  private startedAt?: number;
  private readyAt?: number;
  private reason?: string;
  private readonly stateListeners = new Set<() => void>();
  private readonly lineListeners = new Set<(lines: string[]) => void>();
  private loop?: Promise<void>;

  constructor(private readonly options: ServiceRunnerOptions) {
    this.name = options.model.name;
    this.log = new ServiceLog({
      file: options.model.logFile,
      ringLines: options.ringLines,
      hide: options.hide,
      // Once per failure: the service keeps running, its output still reaches the terminal.
      onError: (error) =>
        this.options.emit({
          type: "message",
          level: "warn",
          service: this.name,
          text:
            `${this.name}: could not write ${options.model.logFile} ` +
            `(${fileProblem(error) ?? error.message}); its output is not kept there until it can be written again`,
          time: Date.now(),
        }),
      onLines: (stream, lines, time) => this.onLines(stream, lines, time),
    });
  }

  snapshot(): ServiceSnapshot {
    const { model } = this.options;
    return {
      name: this.name,
      state: this.state,
      pid: this.current?.pid,
      port: model.port,
      url: model.url,
      restarts: this.restarts,
      exitCode: this.lastExit?.code,
      startedAt: this.startedAt,
      readyAt: this.readyAt,
      reason: this.reason,
    };
  }

  get currentState(): ServiceState {
    return this.state;
  }

  tail(lines: number): LogLine[] {
    return this.log.tail(lines);
  }

  /**
   * Starts the service's life loop (again, after a stop); resolves when it has settled
   * (ready, completed or failed). A call while it runs only waits for that.
   */
  start(): Promise<void> {
    if (!this.loop && !this.closed) {
      if (this.stopController.signal.aborted) this.stopController = new AbortController();
      this.stoppedByRequest = false;
      this.restartTimes.length = 0;
      this.stopping = undefined;
      if (this.state !== "pending") this.setState("pending");
      this.loop = this.runLoop()
        .catch((error: unknown) => this.fail(messageOf(error)))
        .finally(() => (this.loop = undefined));
    }
    return this.settled();
  }

  /** True when the service was stopped on request (it may be started again). */
  get stoppedOnRequest(): boolean {
    return this.stoppedByRequest;
  }

  /** Marks a service that will never start (a dependency failed, or berth is stopping). */
  skip(state: "failed" | "stopped", reason: string): void {
    if (this.state === "pending") this.setState(state, { reason });
  }

  /**
   * Resolves true once the service meets `condition`, false once it never will (it failed
   * or stopped before meeting it).
   */
  reached(condition: DependencyCondition): Promise<boolean> {
    return new Promise((resolve) => {
      const check = () => {
        const met =
          condition === "started"
            ? this.everStarted
            : condition === "ready"
              ? this.everReady
              : this.state === "completed";
        // A stop on request (a restart, `berth stop db`) may be followed by a start, so
        // dependents keep waiting; only a failure, an exit, or the host closing ends it.
        const never =
          this.state === "failed" ||
          (this.state === "stopped" && (!this.stoppedByRequest || this.closed));
        if (met || never) {
          this.stateListeners.delete(check);
          resolve(met);
        }
      };
      this.stateListeners.add(check);
      check();
    });
  }

  /**
   * Stops the service (stop signal to its group, SIGKILL after the grace period). Calls
   * during one stop share it; `force` kills the group at once.
   */
  stop(options: { force?: boolean } = {}): Promise<void> {
    if (options.force && this.current) signalGroup(this.current.pid, "SIGKILL");
    this.stopping ??= this.stopOnce();
    return this.stopping;
  }

  /** Stops for good and closes the log (the host is shutting down). */
  async close(options: { force?: boolean } = {}): Promise<void> {
    this.closed = true;
    await this.stop(options);
    this.log.close();
  }

  private async stopOnce(): Promise<void> {
    this.stoppedByRequest = true;
    this.stopController.abort(new BerthError("SERVICE_FAILED", `${this.name} is stopping`));
    if (this.state === "pending" || this.state === "restarting") {
      this.setState("stopped", { reason: "stopped" });
    }
    await this.loop;
  }

  private settled(): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (["ready", "completed", "failed", "stopped"].includes(this.state)) {
          this.stateListeners.delete(check);
          resolve();
        }
      };
      this.stateListeners.add(check);
      check();
    });
  }

  private async runLoop(): Promise<void> {
    const { model, reservation } = this.options;
    // Made for every service before any starts (Supervisor.start); again here in case it
    // was removed since.
    mkdirSync(model.dataDir, { recursive: true, mode: 0o700 });
    // Held until now so nothing else could take the port between planning and this spawn.
    await reservation?.release();
    let spawnRetries = 0;
    for (;;) {
      if (this.stopController.signal.aborted) return;
      const exit = await this.runOnce();
      if (exit === "done") return;
      if ("spawnFailed" in exit) {
        // Out of descriptors or processes for now: tried again on the back-off, not failed
        // for good, since what took them (a flood of clients, a burst of processes) passes.
        const delayMs = spawnRetryDelay(model.restart, spawnRetries++);
        if (delayMs === undefined) {
          return this.fail(`${exit.spawnFailed.message} It failed ${spawnRetries} times.`, []);
        }
        this.setState("restarting", {
          reason:
            `could not start \`${model.command.display}\` (${transientSpawnText(exit.code)}); ` +
            `retrying in ${durationText(delayMs)} (${spawnRetries}/${SPAWN_RETRIES})`,
        });
        if (!(await this.pause(delayMs))) return;
        continue;
      }
      spawnRetries = 0;
      const notFound = commandNotFound(model.command, exit);
      if (notFound) return this.fail(notFound);
      const decision = decideRestart(
        model.restart,
        exit,
        this.restartTimes,
        this.options.clock.now(),
      );
      if (!decision.restart) {
        if ("crashLoop" in decision || exit.code !== 0) return this.fail(decision.reason);
        if (model.oneshot) return this.setState("completed", { reason: decision.reason });
        return this.setState("stopped", { reason: decision.reason });
      }
      this.restarts++;
      this.setState("restarting", {
        reason: `${describeExit(exit)}; restarting in ${durationText(decision.delayMs)} (${decision.attempt}/${model.restart.maxRestarts})`,
      });
      if (!(await this.pause(decision.delayMs))) return;
    }
  }

  /** Waits out a back-off; false when a stop came first. */
  private async pause(ms: number): Promise<boolean> {
    try {
      await sleep(this.options.clock, ms, this.stopController.signal);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * One process, from spawn to exit. Returns its exit for the restart decision, a spawn
   * failure worth retrying, or "done" when the loop must end (stopped, or failed to come up).
   */
  private async runOnce(): Promise<Exit | SpawnFailure | "done"> {
    const { model } = this.options;
    this.reason = undefined;
    this.log.note(`--- starting: ${model.command.display}`);
    let proc: SpawnedProcess;
    try {
      proc = await spawnInGroup(model.command, {
        cwd: model.cwd,
        env: { ...this.options.baseEnv, ...model.env },
        service: this.name,
      });
    } catch (error) {
      const code = transientSpawnCode(error);
      if (code) return { spawnFailed: error as Error, code };
      this.fail(messageOf(error), []);
      return "done";
    }
    if (this.stopController.signal.aborted) {
      // Stopped while it was being spawned: it never counts as started.
      signalGroup(proc.pid, "SIGKILL");
      await proc.exited;
      return "done";
    }
    this.current = proc;
    this.startedAt = Date.now();
    this.options.onProcess?.(this.name, proc.pid);
    this.log.attach(proc.child.stdout!, "stdout");
    this.log.attach(proc.child.stderr!, "stderr");
    this.everStarted = true;
    this.setState("starting");

    const exitOrStop = this.watchExit(proc);
    if (!model.oneshot) {
      const readiness = await this.awaitReady(proc);
      if (readiness === "stopped") {
        await exitOrStop;
        return "done";
      }
      if (readiness !== "ready") {
        if (isBerthError(readiness, "EXITED_BEFORE_READY")) {
          const exit = await exitOrStop;
          if (exit === "stopped") return "done";
          // A crash while coming back from a restart is the restart policy's to judge; a
          // service that never came up fails at once, since retrying would only repeat it.
          if (this.everReady) return exit;
          this.fail(commandNotFound(model.command, exit) ?? readiness.message);
          return "done";
        }
        this.fail(readiness.message);
        await this.stopProcess(proc);
        await exitOrStop;
        return "done";
      }
      this.readyAt = Date.now();
      this.everReady = true;
      this.setState("ready", { reason: `ready in ${durationText(this.readyAt - this.startedAt)}` });
    }
    const exit = await exitOrStop;
    return exit === "stopped" ? "done" : exit;
  }

  /** Resolves "ready", "stopped", or the error that ended the wait. */
  private async awaitReady(proc: SpawnedProcess): Promise<"ready" | "stopped" | Error> {
    const { model, clock, emit } = this.options;
    if (!model.ready) return "ready";
    const controller = new AbortController();
    const onStop = () => controller.abort(this.stopController.signal.reason);
    if (this.stopController.signal.aborted) onStop();
    else this.stopController.signal.addEventListener("abort", onStop, { once: true });
    // Cannot reject: `exited` only resolves, with the code or signal.
    void proc.exited.then((exit) => {
      controller.abort(
        new BerthError("EXITED_BEFORE_READY", `exited before it was ready (${describeExit(exit)})`),
      );
    });
    try {
      await waitUntilReady({
        check: model.ready,
        clock,
        service: this.name,
        cwd: model.cwd,
        env: { ...this.options.baseEnv, ...model.env },
        signal: controller.signal,
        logLines: (listener) => {
          this.lineListeners.add(listener);
          return () => this.lineListeners.delete(listener);
        },
        onWaiting: (waiting) => emit({ type: "waiting", service: this.name, ...waiting }),
      });
      return "ready";
    } catch (error) {
      if (this.stopController.signal.aborted) return "stopped";
      return error instanceof Error ? error : new Error(String(error));
    } finally {
      this.stopController.signal.removeEventListener("abort", onStop);
    }
  }

  /** Resolves with the process's exit, or "stopped" when a stop ended it. */
  private async watchExit(proc: SpawnedProcess): Promise<Exit | "stopped"> {
    const signal = this.stopController.signal;
    let onAbort = () => {};
    const stopped = new Promise<"stop">((resolve) => {
      onAbort = () => resolve("stop");
      if (signal.aborted) resolve("stop");
      else signal.addEventListener("abort", onAbort, { once: true });
    });
    const first = await Promise.race([proc.exited, stopped]);
    signal.removeEventListener("abort", onAbort);
    if (first === "stop") {
      if (this.state !== "failed") this.setState("stopping");
      const killed = await this.stopProcess(proc);
      const exit = await proc.exited;
      await this.log.drain();
      this.lastExit = exit;
      // Whoever asked for the stop hears it when the grace period ran out.
      const reason = killed ?? "stopped";
      if (this.state !== "failed") this.setState("stopped", { reason, exit });
      return "stopped";
    }
    this.lastExit = first;
    // The main process ended on its own: whatever it left in its group goes with it.
    await this.stopProcess(proc);
    await this.log.drain();
    if (signal.aborted) {
      if (this.state !== "failed")
        this.setState("stopped", { reason: describeExit(first), exit: first });
      return "stopped";
    }
    return first;
  }

  /** Stops the process's group; says how, when it had to be killed after its grace period. */
  private async stopProcess(proc: SpawnedProcess): Promise<string | undefined> {
    const { model, clock } = this.options;
    const outcome = await stopGroup(proc.pid, proc.exited, {
      signal: model.stop.signal,
      graceMs: model.stop.graceMs,
      clock,
    });
    let killed: string | undefined;
    if (outcome === "killed") {
      killed = `did not stop within ${durationText(model.stop.graceMs)} of ${model.stop.signal}; killed`;
      const text = `${this.name} ${killed}`;
      this.log.note(`--- ${text}`);
      this.options.emit({
        type: "message",
        level: "warn",
        service: this.name,
        text,
        time: Date.now(),
      });
    }
    if (this.current === proc) {
      // A finished process's pid may be reused: nothing may signal it again.
      this.current = undefined;
      this.options.onProcess?.(this.name, undefined);
    }
    return killed;
  }

  private lastLines(): string[] {
    return this.log.tail(LAST_LINES).map((line) => line.text);
  }

  private fail(reason: string, details: string[] = this.lastLines()): void {
    this.setState("failed", { reason, details });
  }

  private onLines(stream: LogStream, lines: string[], time: number): void {
    this.options.emit({ type: "log", service: this.name, stream, lines, time });
    for (const listener of this.lineListeners) listener(lines);
  }

  private setState(
    state: ServiceState,
    extra: {
      reason?: string;
      details?: string[];
      exit?: Exit;
    } = {},
  ): void {
    const previous = this.state;
    if (previous === state && extra.reason === undefined) return;
    this.state = state;
    if (extra.reason !== undefined) this.reason = extra.reason;
    const exit = extra.exit ?? this.lastExit;
    this.options.emit({
      type: "state",
      service: this.name,
      state,
      previous,
      time: Date.now(),
      pid: this.current?.pid,
      exitCode: exit?.code,
      signal: exit?.signal,
      reason: extra.reason,
      restarts: this.restarts,
    });
    if (state === "failed" && extra.details && extra.details.length > 0) {
      this.options.emit({
        type: "message",
        level: "error",
        service: this.name,
        text: `last lines of ${this.name}:`,
        details: extra.details,
        time: Date.now(),
      });
    }
    for (const listener of [...this.stateListeners]) listener();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
