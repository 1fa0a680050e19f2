import { stripVTControlCharacters } from "node:util";
import { truncate } from "./describe.js";

/**
 * Subscribes to a service's output lines (stdout and stderr), as they arrive; returns the
 * unsubscribe function. The supervisor subscribes before the process can write anything,
 * so no line is missed.
 */
export type LogSubscribe = (listener: (lines: string[]) => void) => () => void;

/**
 * Resolves on the first line matching `pattern` — driven by the lines themselves, no
 * polling. Lines are matched as a reader sees them, without colour and other terminal
 * codes: a service coloured by `FORCE_COLOR` matches as it would in a pipe. Rejects with the signal's reason when aborted. `onLine` hears every line that
 * did not match, as `last line "…"`, for the waiting notice.
 */
export function waitForLogLine(
  pattern: RegExp,
  subscribe: LogSubscribe,
  signal: AbortSignal,
  onLine?: (last: string) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let unsubscribe: (() => void) | undefined = undefined;
    const finish = (error?: unknown) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener("abort", onAbort);
      unsubscribe?.();
      if (error === undefined) resolve();
      else reject(error);
    };
    const onAbort = () => finish(signal.reason ?? new Error("aborted"));
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    unsubscribe = subscribe((raw) => {
      if (settled) return;
      const lines = raw.map((line) => stripVTControlCharacters(line));
      // `search` ignores `lastIndex`, so a /g or /y pattern matches every line alike.
      if (lines.some((line) => line.search(pattern) !== -1)) return finish();
      const last = lines.at(-1);
      if (last !== undefined) onLine?.(`last line ${JSON.stringify(truncate(last))}`);
    });
    // A subscriber may replay buffered lines before it returns: unsubscribe late then.
    if (settled) unsubscribe();
  });
}
