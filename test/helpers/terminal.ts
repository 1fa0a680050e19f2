import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { StringDecoder } from "node:string_decoder";
import { spawnTracked, waitFor } from "./processes.js";

/** Whether `script` can give a command a real pseudo-terminal here. */
export const hasScript =
  process.platform === "linux" && existsSync("/usr/bin/script") && existsSync("/dev/ptmx");

export interface Terminal {
  child: ChildProcess;
  /** What reached the terminal so far, its `\r\n` turned back into `\n`. */
  text(): string;
  /** Stops reading, like Ctrl-S: the terminal's buffer fills and writes to it block. */
  pause(): void;
  resume(): void;
  waitFor(pattern: RegExp, what: string, timeoutMs?: number): Promise<void>;
  /** Resolves once the command (and `script`) has exited, with its exit code. */
  exited: Promise<number | null>;
}

/**
 * Runs a shell command on a real pseudo-terminal (`script`), reading what it writes there.
 * Starts paused when asked, so nothing is read until `resume()`.
 */
export function inTerminal(
  command: string,
  options: { cwd: string; env?: NodeJS.ProcessEnv; paused?: boolean },
): Terminal {
  const child = spawnTracked("script", ["-qfec", command, "/dev/null"], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ["pipe", "pipe", "ignore"],
  });
  const decoder = new StringDecoder("utf8");
  let raw = "";
  child.stdout!.on("data", (chunk: Buffer) => (raw += decoder.write(chunk)));
  if (options.paused) child.stdout!.pause();
  const exited = new Promise<number | null>((resolve) =>
    child.once("close", (code: number | null) => resolve(code)),
  );
  const text = () => raw.replace(/\r\n/g, "\n");
  return {
    child,
    text,
    pause: () => child.stdout!.pause(),
    resume: () => child.stdout!.resume(),
    waitFor: (pattern, what, timeoutMs) => waitFor(() => pattern.test(raw), what, timeoutMs),
    exited,
  };
}

/**
 * A `berth.config.json` whose one service, `chatty`, writes about 4 MB a second: far more
 * than a terminal (or what berth holds back for one) takes.
 */
export const chattyConfig = JSON.stringify({
  services: {
    chatty: {
      command: [
        process.execPath,
        "-e",
        "setInterval(() => console.log(('x'.repeat(200) + '\\n').repeat(20)), 1)",
      ],
      port: false,
    },
  },
});
