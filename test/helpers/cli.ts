import type { ChildProcess } from "node:child_process";
import { spawnTracked } from "./processes.js";
import { berthBin } from "./project.js";

export interface BerthProcess {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves once the output matches; rejects if the process exits first or after timeoutMs. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
}

/** Starts the built `berth` CLI in `cwd`, tracked so the test helpers kill it afterwards. */
export function startBerth(
  args: string[],
  options: {
    cwd: string;
    env?: NodeJS.ProcessEnv;
    /** Runs it as this user (the test must run as root). */
    user?: { uid: number; gid: number };
  },
): BerthProcess {
  const child = spawnTracked(process.execPath, [berthBin, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
    ...options.user,
  });
  let text = "";
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    text += chunk.toString();
    for (const waiter of waiters) waiter();
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<number | string>((resolve) =>
    child.once("close", (code, signal) => resolve(code ?? signal ?? -1)),
  );
  let done = false;
  void exited.then(() => {
    done = true;
    for (const waiter of waiters) waiter();
  });
  return {
    child,
    output: () => text,
    exited,
    waitForOutput(pattern, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${pattern} in output:\n${text}`));
        }, timeoutMs);
        const check = () => {
          const match = text.match(pattern);
          if (match || done) {
            waiters.delete(check);
            clearTimeout(timer);
            if (match) resolve(match);
            else reject(new Error(`berth exited before printing ${pattern}; output:\n${text}`));
          }
        };
        waiters.add(check);
        check();
      });
    },
  };
}

/** Runs the CLI to completion. */
export async function runBerth(
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<{ code: number | string; output: string }> {
  const berth = startBerth(args, options);
  const code = await berth.exited;
  return { code, output: berth.output() };
}
