import { spawn } from "node:child_process";
import type { Clock } from "../clock.js";

/** How a run of berth's own CLI ended: its exit code and everything it printed. */
export interface CliRun {
  code: number | null;
  output: string;
  /** True when it was still running at the deadline (it is left to finish alone). */
  timedOut: boolean;
}

const MAX_OUTPUT = 64 * 1024;

/** The dashboard's one-time login token, which `run --detach` prints: not for a transcript. */
const LOGIN_TOKEN = /([?&]token=)[\w-]+/g;

/**
 * Runs berth's CLI (`node bin/berth.cjs …`) as a user would, and collects its output.
 * Starting and stopping a project this way shares every rule of `berth run --detach` and
 * `berth stop` (already running, a host still starting, a hung host signalled).
 */
export function runCli(
  launcher: string,
  args: string[],
  options: { cwd: string; timeoutMs: number; clock: Clock },
): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [launcher, ...args], {
      cwd: options.cwd,
      // Plain text for an agent: no colours, whatever the server's environment says.
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const collect = (chunk: Buffer) => {
      if (output.length < MAX_OUTPUT) output += chunk.toString();
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    const cancel = options.clock.setTimeout(() => {
      // Left running: it only waits for the services to settle, and ends by itself.
      child.stdout.destroy();
      child.stderr.destroy();
      child.unref();
      resolve({ code: null, output: output.replace(LOGIN_TOKEN, "$1***"), timedOut: true });
    }, options.timeoutMs);
    child.once("error", (error) => {
      cancel();
      resolve({ code: null, output: `${output}${error.message}\n`, timedOut: false });
    });
    child.once("close", (code) => {
      cancel();
      resolve({ code, output: output.replace(LOGIN_TOKEN, "$1***"), timedOut: false });
    });
  });
}
