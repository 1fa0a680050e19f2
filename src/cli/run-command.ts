/** The command `berth exec` runs: in the terminal, with the services in its environment. */
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { BerthError } from "../errors.js";

/** The error of `berth exec` when the services did not come up (exit code 125). */
export function bringUpFailed(why: string): BerthError {
  return new BerthError(
    "EXEC_SERVICES_FAILED",
    `The services did not come up, so the command did not run: ${why}`,
  );
}

/** Runs the command in the terminal with the services' URLs and ports in its environment. */
export function runCommand(command: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), {
      stdio: "inherit",
      env: { ...process.env, ...env },
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
      reject(
        new BerthError(
          "USAGE",
          `Could not run \`${command.join(" ")}\`: ${error.code === "ENOENT" ? "no such command" : error.message}.`,
        ),
      );
    });
    child.once("exit", (code, signal) => {
      done();
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
    });
  });
}
