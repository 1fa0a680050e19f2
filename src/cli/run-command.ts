/** The command `berth exec` runs: in the terminal, with the services in its environment. */
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { ControlClosedError, ControlError, UnresponsiveError } from "../control/errors.js";
import { BerthError, isBerthError } from "../errors.js";
import { withLocalBins } from "../platform/local-bins.js";

/** The error of `berth exec` when the services did not come up (exit code 125). */
export function bringUpFailed(
  why: string,
  options: { details?: string[]; cause?: unknown } = {},
): BerthError {
  return new BerthError(
    "EXEC_SERVICES_FAILED",
    `The services did not come up, so the command did not run: ${why}`,
    options,
  );
}

/**
 * What went wrong before `berth exec`'s command could run, as exit 125 whatever it was (a
 * config error, a taken port, a host that does not answer), as the README promises: a
 * script can tell "the services are broken" from "the tests failed". A mistake on the
 * command line stays a usage error; a bug in berth stays a bug.
 */
export function asBringUpFailure(error: unknown): unknown {
  if (isBerthError(error)) {
    if (error.code === "USAGE" || error.code === "EXEC_SERVICES_FAILED") return error;
    return bringUpFailed(error.message, { details: error.details, cause: error });
  }
  if (
    error instanceof ControlError ||
    error instanceof UnresponsiveError ||
    error instanceof ControlClosedError
  ) {
    return bringUpFailed(error.message, { cause: error });
  }
  return error;
}

/** Runs the command in the terminal with the services' URLs and ports in its environment. */
export function runCommand(command: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), {
      stdio: "inherit",
      // Found by findCommand with the same PATH: the project's node_modules/.bin first.
      env: { ...process.env, PATH: withLocalBins(process.env.PATH, process.cwd()), ...env },
    });
    // Ctrl-C reaches the command from the terminal (it shares berth's foreground group):
    // berth waits for it to end. A SIGTERM or SIGHUP sent to berth alone is passed on.
    const wait = () => {};
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on("SIGINT", wait);
    process.on("SIGTERM", forward);
    process.on("SIGHUP", forward);
    const done = () => {
      process.off("SIGINT", wait);
      process.off("SIGTERM", forward);
      process.off("SIGHUP", forward);
    };
    child.once("error", (error: NodeJS.ErrnoException) => {
      done();
      // Checked before anything started; this is a command removed since, or a bad
      // interpreter line (`#!/usr/bin/env nodejs`), which the system reports the same way.
      reject(
        error.code === "ENOENT"
          ? new BerthError(
              "COMMAND_NOT_FOUND",
              `Could not run \`${command.join(" ")}\`: no such command (or its interpreter was not found).`,
            )
          : new BerthError(
              error.code === "EACCES" ? "COMMAND_NOT_EXECUTABLE" : "USAGE",
              `Could not run \`${command.join(" ")}\`: ${error.message}.`,
            ),
      );
    });
    child.once("exit", (code, signal) => {
      done();
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
    });
  });
}
