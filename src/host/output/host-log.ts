import { readFileSync } from "node:fs";
import { join } from "node:path";
import { openLogFile, type LogFileOptions } from "../../supervisor/logs/log-file.js";
import type { Destination } from "./terminal-reporter.js";

/** Name of a detached host's own log in the project's `.berth/`. */
export const HOST_LOG_FILE = "host.log";

/**
 * A detached host's own log, `.berth/host.log`: berth's lines only (starting, ready,
 * failed, stopping…), rotated by size like a service's log. The services' output is in
 * their own logs, never here (a service writing `yes` once grew this file by gigabytes).
 *
 * The file is also the host's stdout and stderr (`berth run --detach` opens it for them,
 * appending), where Node's warnings and a last error end up: it is rotated in place, so
 * those descriptors keep writing to `host.log` rather than to a rotated copy.
 *
 * @example
 * const reporter = new TerminalReporter({ output: hostLog(stateDir), color: false });
 */
export function hostLog(
  stateDir: string,
  options: Pick<LogFileOptions, "maxBytes" | "keep"> = {},
): Destination {
  // A host cannot tell anyone its log failed but in the log: a full disk drops lines.
  const file = openLogFile(join(stateDir, HOST_LOG_FILE), { ...options, rotateInPlace: true });
  return {
    write: (text: string) => {
      file.write(text);
      // berth's lines are few: each goes out at once, so a kill loses none.
      file.flush();
    },
    writableLength: 0,
    once: () => undefined,
    on: () => undefined,
    isTTY: false,
    close: async () => file.close(),
  };
}

/**
 * What a detached host said about cleaning up after a crashed berth ("cleaned up 3
 * processes left by a crashed berth (PID 1234)"), read back from its log: `berth run
 * --detach` repeats it, as a foreground `berth run` shows it.
 */
export function cleanupNotices(logFile: string): string[] {
  let text: string;
  try {
    text = readFileSync(logFile, "utf8");
  } catch {
    return [];
  }
  return text.split("\n").flatMap((line) => {
    const notice = /^berth +\| (cleaned up \d+ process(?:es)? left by a crashed berth.*)$/.exec(
      line,
    )?.[1];
    return notice === undefined ? [] : [notice];
  });
}
