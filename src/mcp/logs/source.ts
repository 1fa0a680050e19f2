import { dirname, join } from "node:path";
import { findConfig } from "../../config/find.js";
import type { LogEntry } from "../../control/protocol.js";
import { isBerthError } from "../../errors.js";
import { maskSecret } from "../../model/mask-secret.js";
import { peekSecret } from "../../model/state-peek.js";
import { lastLines, serviceLogFiles } from "../../supervisor/logs/log-files.js";
import { hostCallError, ToolError } from "../errors.js";
import { requireService, type HostTarget, type HostView } from "../hosts.js";

/** One log line as the log tools return it; `time` and `stream` are null from log files. */
export interface FoundLine {
  service: string;
  time: number | null;
  stream: LogEntry["stream"] | null;
  text: string;
}

/** Lines of one project, from its running host or, when none runs, from `.berth/logs/`. */
export interface LogSource {
  appHostPath: string;
  running: boolean;
  /** Every service with lines, in the order of their last output. */
  services: string[];
  /** Per service, oldest first (from files: no time, so not merged). */
  lines: FoundLine[];
}

/**
 * Reads the last `tail` lines of each service (or of `service`) of the project a tool
 * means. A running host answers from memory with times; a project not running answers from
 * its log files, as `berth logs` does.
 */
export async function readLogs(
  view: HostView,
  target: HostTarget,
  service: string | undefined,
  tail: number,
): Promise<LogSource> {
  let host;
  try {
    host = await view.live(target);
  } catch (error) {
    // A pid names a running process: there are no files to fall back to.
    if (!(error instanceof ToolError) || error.code !== "NOT_RUNNING" || target.pid !== undefined) {
      throw error;
    }
    return readLogFiles(projectOf(view, target, error), service, tail);
  }
  if (service !== undefined) requireService(host, service);
  const names = service === undefined ? (host.services ?? []).map((s) => s.name) : [service];
  try {
    // One call per service: each keeps its own recent lines, so a chatty one cannot crowd out the rest.
    const batches = await Promise.all(
      names.map((name) => host.client.logs({ service: name, tail })),
    );
    const lines = batches.flat().sort((a, b) => a.time - b.time);
    return { appHostPath: host.info!.appHostPath, running: true, services: names, lines };
  } catch (error) {
    throw hostCallError(host, error);
  }
}

/** The config the tool means when nothing runs: `apphost`, else the one found from here up. */
function projectOf(view: HostView, target: HostTarget, notRunning: ToolError): string {
  const apphost = target.apphost ?? view.selection()?.apphost;
  try {
    return findConfig(view.cwd, apphost);
  } catch (error) {
    if (apphost === undefined && isBerthError(error, "CONFIG_NOT_FOUND")) throw notRunning;
    throw error;
  }
}

/** The last `tail` lines of each service's log file, the instance secret masked. */
export function readLogFiles(
  appHostPath: string,
  service: string | undefined,
  tail: number,
): LogSource {
  const projectDir = dirname(appHostPath);
  const logsDir = join(projectDir, ".berth", "logs");
  let files = serviceLogFiles(logsDir).sort((a, b) => a.mtimeMs - b.mtimeMs);
  const known = files.map((f) => f.service);
  if (service !== undefined) files = files.filter((f) => f.service === service);
  if (files.length === 0) {
    const which = service === undefined ? "" : ` of "${service}"`;
    const others =
      service !== undefined && known.length ? ` It has logs of: ${known.join(", ")}.` : "";
    throw new ToolError(
      "NOT_RUNNING",
      `${appHostPath} is not running, and ${logsDir} has no log${which}.${others} Start it with start_project.`,
    );
  }
  const secret = peekSecret(projectDir);
  const lines = files.flatMap(({ service: name, file }) =>
    lastLines(file, tail).map((text) => ({
      service: name,
      time: null,
      stream: null,
      text: secret ? maskSecret(text, secret) : text,
    })),
  );
  return { appHostPath, running: false, services: files.map((f) => f.service), lines };
}
