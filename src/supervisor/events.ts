/**
 * The supervisor's one event stream. The terminal output, the control socket and the
 * dashboard are all consumers of it; none of them reaches into the supervisor itself.
 */

export type ServiceState =
  /** Waiting for its dependencies or its turn. */
  | "pending"
  /** Spawned, readiness not yet confirmed. */
  | "starting"
  /** Running and ready (or running with no readiness check). */
  | "ready"
  /** A oneshot that exited 0. */
  | "completed"
  /** Exited; waiting out the restart back-off. */
  | "restarting"
  /** Stop requested; waiting for the process group to go. */
  | "stopping"
  /** Not running, by request or because it exited and is not restarted. */
  | "stopped"
  /** Gave up: failed to start, not ready in time, crash loop, or a dependency failed. */
  | "failed";

export type LogStream = "stdout" | "stderr";

export interface StateEvent {
  type: "state";
  service: string;
  state: ServiceState;
  previous: ServiceState;
  /** Wall-clock time (ms since epoch). */
  time: number;
  pid?: number;
  exitCode?: number | null;
  signal?: NodeJS.Signals | null;
  /** Why, in words, for failed/stopped/restarting ("exited with code 1", "dependency db failed"). */
  reason?: string;
  /** Restart count so far. */
  restarts: number;
}

export interface LogEvent {
  type: "log";
  service: string;
  stream: LogStream;
  /** Complete lines, without their line ends, in order. */
  lines: string[];
  time: number;
}

/** A service is still not ready: what is being waited on, and for how long. */
export interface WaitingEvent {
  type: "waiting";
  service: string;
  /** Human description of the check ("http://127.0.0.1:3000/health → 200"). */
  on: string;
  elapsedMs: number;
  /** Last probe outcome in words ("connection refused"). */
  last?: string;
}

/** Something berth itself says (port fallbacks, clean-up of a crashed host's processes). */
export interface MessageEvent {
  type: "message";
  level: "info" | "warn" | "error";
  text: string;
  service?: string;
  /** Extra lines (last log lines of a failed service). */
  details?: string[];
  time: number;
}

export type SupervisorEvent = StateEvent | LogEvent | WaitingEvent | MessageEvent;

/** One stored log line, as kept in memory for later readers. */
export interface LogLine {
  time: number;
  stream: LogStream;
  text: string;
}
