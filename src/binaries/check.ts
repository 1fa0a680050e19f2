import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { basename } from "node:path";
import { BerthError } from "../errors.js";
import { signalGroup } from "../platform/process-group.js";
import { diagnose, type Outcome } from "./diagnose.js";
import { currentPlatform, type Platform } from "./platform.js";

/** A `--version` answers at once; this only bounds a binary that ignores its arguments. */
export const CHECK_TIMEOUT_MS = 10_000;

/** Output kept for the message: the end is where errors are. */
const OUTPUT_LIMIT = 16 * 1024;

export interface CheckOptions {
  /** `"mytool 1.2.0"`, for messages. */
  label: string;
  timeoutMs?: number;
  platform?: Platform;
  signal?: AbortSignal;
}

/**
 * Runs the binary once with the check's arguments (such as `--version`) and requires exit
 * code 0, so a binary that cannot run here fails before its service starts, with the
 * cause and what to do instead of a raw spawn error.
 *
 * @example await checkBinary("/home/me/.berth/cache/binaries/tool/1.2.0/bin/tool", ["--version"], { label: "tool 1.2.0" });
 * @throws BerthError `BINARY_CANNOT_RUN`, naming the cause (missing shared library, wrong architecture, not executable, missing interpreter…).
 */
export async function checkBinary(
  executable: string,
  args: string[],
  options: CheckOptions,
): Promise<{ output: string }> {
  const timeoutMs = options.timeoutMs ?? CHECK_TIMEOUT_MS;
  const outcome = await run(executable, args, timeoutMs, options.signal);
  if (outcome.kind === "exit" && outcome.code === 0) return { output: outcome.output };
  if (options.signal?.aborted) throw options.signal.reason;

  const checkCommand = [basename(executable), ...args].join(" ");
  const platform = options.platform ?? currentPlatform();
  const { cause, todo } = await diagnose(executable, outcome, { platform, checkCommand });
  const output = "output" in outcome ? lastLines(outcome.output, 10) : [];
  throw new BerthError("BINARY_CANNOT_RUN", `${options.label} cannot run: ${cause}; ${todo}.`, {
    details: [
      `executable: ${executable}`,
      ...(output.length ? ["its output:", ...output.map((l) => `  ${l}`)] : []),
    ],
  });
}

function run(
  executable: string,
  args: string[],
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Outcome> {
  return new Promise((resolve) => {
    let output = "";
    let settled = false;
    let timedOut = false;
    const child = spawn(executable, args, {
      // Its own group, so a timeout also stops whatever it started.
      detached: true,
      cwd: tmpdir(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-OUTPUT_LIMIT);
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    const kill = () => signalGroup(child.pid ?? 0, "SIGKILL");
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, timeoutMs);
    signal?.addEventListener("abort", kill, { once: true });
    const finish = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", kill);
      resolve(outcome);
    };
    child.once("error", (error: NodeJS.ErrnoException) =>
      finish({ kind: "spawn-error", code: error.code }),
    );
    child.once("close", (code, killedBy) => {
      if (timedOut) finish({ kind: "timeout", timeoutMs });
      else if (killedBy) finish({ kind: "signal", signal: killedBy, output });
      else finish({ kind: "exit", code: code ?? -1, output });
    });
  });
}

function lastLines(text: string, count: number): string[] {
  return text
    .trimEnd()
    .split(/\r?\n/)
    .filter((l) => l.trim() !== "")
    .slice(-count);
}
