import { spawn } from "node:child_process";
import { BerthError } from "../../../errors.js";
import type { CommandSpec } from "../../../model/app.js";
import { signalGroup } from "../../../platform/process-group.js";
import { truncate } from "../describe.js";
import { notReady, startAttempt, type ProbeOptions, type ProbeResult } from "./probe.js";

/**
 * Default bound of one command attempt: longer than a socket probe's, since a command
 * (`pg_isready`, `docker exec …`) does real work, and one that always needs 1.2 s must
 * not be cut short on every attempt.
 */
export const COMMAND_PROBE_TIMEOUT_MS = 10_000;

export interface CommandProbeOptions extends ProbeOptions {
  /** Where the command runs (normally the service's folder). */
  cwd?: string;
  /** Its environment (normally the service's, so it can use `$PORT`). */
  env?: NodeJS.ProcessEnv;
}

/** How much of the command's output is kept, to quote its last line in the reason. */
const OUTPUT_TAIL_CHARS = 1024;

/**
 * One command probe: ready when the command exits with code 0. It runs in its own process
 * group, and the whole group is killed once the attempt ends (timeout, abort, or exit), so
 * nothing it started outlives the attempt.
 *
 * @example
 * await probeCommand({ file: "/bin/sh", args: ["-c", "pg_isready"], display: "pg_isready" });
 * // { ok: false, reason: "exit code 2: /tmp:5432 - no response" }
 */
export function probeCommand(
  command: CommandSpec,
  options: CommandProbeOptions = {},
): Promise<ProbeResult> {
  const attempt = startAttempt(options, COMMAND_PROBE_TIMEOUT_MS);
  return new Promise((resolve) => {
    if (attempt.signal.aborted) return resolve(notReady(attempt.abortReason()));
    const child = spawn(command.file, command.args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-OUTPUT_TAIL_CHARS);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    const settle = (result: ProbeResult) => {
      attempt.signal.removeEventListener("abort", onAbort);
      attempt.end();
      // The group is usually gone already, after a normal exit: then this does nothing.
      signalGroup(child.pid ?? 0, "SIGKILL");
      child.stdout.destroy();
      child.stderr.destroy();
      resolve(result);
    };
    const onAbort = () => settle(notReady(attempt.abortReason()));
    attempt.signal.addEventListener("abort", onAbort, { once: true });
    child.once("error", (error) => settle(cannotStart(command, error)));
    child.once("exit", (code, signal) => {
      if (code === 0) return settle({ ok: true });
      const how = code === null ? `killed by ${signal}` : `exit code ${code}`;
      const lastLine = output.trim().split("\n").pop()?.trim();
      settle(notReady(lastLine ? `${how}: ${truncate(lastLine)}` : how));
    });
  });
}

/** A command that cannot even start will not start on the next attempt either. */
function cannotStart(command: CommandSpec, error: Error): ProbeResult {
  const reason = `could not start: ${error.message}`;
  const fatal = new BerthError(
    "SPAWN_FAILED",
    `The readiness command \`${command.display}\` could not be started (${error.message}). ` +
      `Check that ${command.file} is installed and on PATH, or fix ready.command in the config.`,
    { cause: error },
  );
  return { ok: false, reason, fatal };
}
