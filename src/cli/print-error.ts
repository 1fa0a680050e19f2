import { ControlClosedError, ControlError, UnresponsiveError } from "../control/errors.js";
import { RpcErrorCode } from "../control/codes.js";
import { ExitCode, isBerthError } from "../errors.js";
import { fileError } from "../file-errors.js";
import { createStyles, shouldUseColor } from "../platform/terminal/colors.js";

/** Exit codes for the errors an app host answers with. */
const exitCodeOfRpc: Record<number, number> = {
  [RpcErrorCode.serviceNotFound]: ExitCode.usage,
  [RpcErrorCode.invalidState]: ExitCode.serviceFailed,
  [RpcErrorCode.timeout]: ExitCode.serviceFailed,
  [RpcErrorCode.shuttingDown]: ExitCode.notRunning,
};

/**
 * Prints an error for a person: a user's mistake (or the host's answer) as its message and
 * details without a stack (the stack with --verbose); anything else as a bug, with its
 * stack. Returns the exit code that goes with it.
 */
export function printError(thrown: unknown, verbose: boolean): number {
  // A full disk or a folder berth may not write is the user's to fix, wherever it was met.
  const error = fileError(thrown) ?? thrown;
  const styles = createStyles(shouldUseColor(process.stderr, process.env));
  const print = (message: string, details: string[], code: number) => {
    const lines = [`${styles.red("error")} ${message}`, ...details.map((d) => `  ${d}`)];
    if (verbose && error instanceof Error && error.stack) lines.push("", error.stack);
    process.stderr.write(`${lines.join("\n")}\n`);
    return code;
  };
  if (isBerthError(error)) return print(error.message, error.details, error.exitCode);
  if (error instanceof ControlError) {
    return print(error.message, [], exitCodeOfRpc[error.code] ?? ExitCode.internal);
  }
  if (error instanceof UnresponsiveError || error instanceof ControlClosedError) {
    return print(error.message, [], ExitCode.hostUnresponsive);
  }
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(
    `${styles.red("internal error")} berth hit a bug; please report it with this output:\n${stack}\n`,
  );
  return ExitCode.internal;
}
