import { join } from "node:path";
import { configLeftWork } from "../config/load-guard.js";
import { ExitCode, isBerthError } from "../errors.js";
import { fileError } from "../file-errors.js";
import { packageRoot } from "../version.js";
import { serveMcp } from "./serve.js";

/**
 * `berth mcp` from start to end: serves until the client leaves, and answers the exit
 * code. A user's error (an unusable runtime dir) prints as the CLI prints one, without a
 * stack: this bundle has its own copy of `BerthError`, so the CLI's printer would not know it.
 */
export async function runMcp(cwd: string): Promise<number> {
  try {
    await serveMcp({ cwd, launcher: join(packageRoot, "bin", "berth.cjs") });
  } catch (thrown) {
    return report(thrown);
  }
  // A config loaded for describe_app may have left timers running: the client is gone, so end.
  if (configLeftWork()) setImmediate(() => process.exit());
  return ExitCode.ok;
}

/**
 * What bin/berth.cjs runs for a bare `berth mcp`: the CLI's own bundle (its commander and
 * commands) is not even loaded, so the client's first answer comes sooner.
 */
export function main(): void {
  void runMcp(process.cwd()).then((code) => {
    process.exitCode = code;
  });
}

function report(thrown: unknown): number {
  const error = fileError(thrown) ?? thrown;
  if (isBerthError(error)) {
    const lines = [`error ${error.message}`, ...error.details.map((d) => `  ${d}`)];
    process.stderr.write(`${lines.join("\n")}\n`);
    return error.exitCode;
  }
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(
    `internal error berth hit a bug; please report it with this output:\n${stack}\n`,
  );
  return ExitCode.internal;
}
