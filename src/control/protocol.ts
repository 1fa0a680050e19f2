/**
 * The control protocol: one typed descriptor per method, shared by both ends of the socket
 * (the app host's server and every client: CLI, monitor, MCP server, dashboard).
 * JSON-RPC 2.0 with Content-Length framing; one params object per method; camelCase fields.
 * Documented with an example of each call in docs/protocol.md.
 */
import { NotificationType, ParameterStructures, RequestType } from "vscode-jsonrpc/node";
import type { LogStream, ServiceState } from "../supervisor/events.js";

export { CAPABILITIES, HOLD, RpcErrorCode, V1 } from "./codes.js";

/** A request whose params are one object, by name (a list is refused as invalid params). */
function request<P, R>(method: string): RequestType<P, R, void> {
  return new RequestType<P, R, void>(method, ParameterStructures.byName);
}

export interface HostInfo {
  /** Real path of the config file: the host's identity on the machine. */
  appHostPath: string;
  projectDir: string;
  /** First 16 hex characters of SHA-256 over appHostPath. */
  hash: string;
  instanceName: string;
  pid: number;
  /** Start time of the host process as the OS reports it (tells a reused PID apart). */
  processStartTime: string;
  /** PID of the CLI that launched a detached host; null when run in the foreground. */
  launcherPid: number | null;
  /** ISO 8601. */
  startedAt: string;
  /** berth's version. */
  version: string;
  /** null until the dashboard exists. */
  dashboardUrl: string | null;
  /** Whether the host runs detached (in the background). */
  detached: boolean;
  /** Services of its config it does not run (started as `berth run api`); empty for all. */
  leftOut: string[];
}

export interface ServiceInfo {
  name: string;
  state: ServiceState;
  oneshot: boolean;
  pid: number | null;
  port: number | null;
  url: string | null;
  /** True while the service is ready (or a completed oneshot). */
  ready: boolean;
  restarts: number;
  exitCode: number | null;
  /** ISO 8601, when the current (or last) process started. */
  startedAt: string | null;
  readyAt: string | null;
  /** Why, in words, for failed/stopped/restarting. */
  reason: string | null;
  /** The command as configured, with the instance secret masked. Never the environment. */
  command: string;
}

export interface LogEntry {
  service: string;
  /** Milliseconds since the epoch. */
  time: number;
  stream: LogStream;
  text: string;
}

export interface GetCapabilitiesParams {
  /** Who is asking ("berth-cli 0.2.0"), for the host's log. */
  client?: string;
  /** What the client understands. */
  capabilities?: string[];
}
export interface GetCapabilitiesResult {
  /** What both ends understand: the host's capabilities that the client listed. */
  capabilities: string[];
  version: string;
}
export const getCapabilities = request<GetCapabilitiesParams, GetCapabilitiesResult>(
  "getCapabilities",
);

/** The host and every service, in config order: all a listing needs, in one answer. */
export interface HostDescription {
  host: HostInfo;
  services: ServiceInfo[];
}
export const describeHost = request<Record<string, never>, HostDescription>("describeHost");

/** Answers like `describeHost`; then `serviceChanged` notifications follow on this connection. */
export const watchServices = request<Record<string, never>, HostDescription>("watchServices");
export interface ServiceChangedParams {
  service: ServiceInfo;
  previous: ServiceState;
}
export const serviceChanged = new NotificationType<ServiceChangedParams>(
  "serviceChanged",
  ParameterStructures.byName,
);

export interface GetLogsParams {
  /** One service, or every service when left out. */
  service?: string;
  /** Lines from the end (default 100). */
  tail?: number;
}
export const getLogs = request<GetLogsParams, { lines: LogEntry[] }>("getLogs");

/** Answers the recent lines like `getLogs`; then `logLines` notifications follow. */
export const followLogs = request<GetLogsParams, { lines: LogEntry[] }>("followLogs");
export interface LogLinesParams {
  lines: LogEntry[];
  /**
   * Present on the note sent after lines were dropped because this client read too slowly:
   * how many (the note itself is the one line, from service `berth` when following all).
   */
  dropped?: number;
}
export const logLines = new NotificationType<LogLinesParams>(
  "logLines",
  ParameterStructures.byName,
);

export interface ServiceParams {
  service: string;
}
export const startService = request<ServiceParams, { service: ServiceInfo }>("startService");
export const stopService = request<ServiceParams, { service: ServiceInfo }>("stopService");
export const restartService = request<ServiceParams, { service: ServiceInfo }>("restartService");

/** What a `waitForService` without `timeoutMs` waits. */
export const DEFAULT_WAIT_MS = 30_000;
export interface WaitForServiceParams {
  service: string;
  /** Reached when the service is in any of these states. */
  states: ServiceState[];
  /** Default `DEFAULT_WAIT_MS`; the answer is an error with code `timeout` when it runs out. */
  timeoutMs?: number;
}
export const waitForService = request<WaitForServiceParams, { service: ServiceInfo }>(
  "waitForService",
);

export interface HoldHostParams {
  /** Who holds it, in words, for the host's messages: `"berth exec (pid 4242)"`. */
  holder: string;
}
/**
 * Needs `berth.hold`. While this connection stays open, a host that `berth exec` started
 * for its own command does not stop when that command ends: another `berth exec` uses it.
 */
export const holdHost = request<HoldHostParams, { held: true }>("holdHost");

/** Answers first, then stops every service and exits. */
export const stopHost = request<Record<string, never>, { stopping: true }>("stopHost");
