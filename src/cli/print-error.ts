import { ExitCode, isBerthError } from "../errors.js";
import { paint, shouldUseColor } from "../host/output/colors.js";

/**
 * Prints an error for a person: a user's mistake as its message and details without a
 * stack (the stack with --verbose); anything else as a bug, with its stack. Returns the
 * exit code that goes with it.
 */
export function printError(error: unknown, verbose: boolean): number {
  const color = shouldUseColor(process.stderr, process.env);
  const red = (text: string) => (color ? paint.red(text) : text);
  if (isBerthError(error)) {
    const lines = [`${red("error")} ${error.message}`, ...error.details.map((d) => `  ${d}`)];
    if (verbose && error.stack) lines.push("", error.stack);
    process.stderr.write(`${lines.join("\n")}\n`);
    return error.exitCode;
  }
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(
    `${red("internal error")} berth hit a bug; please report it with this output:\n${stack}\n`,
  );
  return ExitCode.internal;
}
