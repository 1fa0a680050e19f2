import { BerthError } from "../errors.js";
import { expectedMessage } from "./issues.js";

/** What a duration looks like, for messages. */
export const DURATION_FORMAT =
  'a duration: milliseconds as a number, or a string like "500ms", "10s", "2m"';

/**
 * The longest duration berth accepts: Node's timers hold 2^31-1 ms (about 24.8 days); a
 * longer one fires at once (with a warning), so a "60d" restart delay would mean none.
 */
export const MAX_DURATION_MS = 2 ** 31 - 1;
const MAX_TEXT = `at most 24 days (${MAX_DURATION_MS} ms, the longest timer Node keeps)`;

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const pattern = /^(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h)$/;

/**
 * Milliseconds for a duration (`1500`, `"1.5s"`, `"2m"`), or a message saying what is
 * wrong with it. A bare number string such as `"500"` is refused: its unit is a guess.
 */
export function checkDuration(value: unknown): { ms: number } | { problem: string } {
  if (typeof value === "number") {
    if (Number.isFinite(value) && value >= 0) return atMostMax(Math.round(value), value);
    return { problem: expectedMessage(`${DURATION_FORMAT} (0 or more)`, value) };
  }
  if (typeof value === "string") {
    const match = pattern.exec(value.trim());
    if (match) return atMostMax(Math.round(Number(match[1]) * units[match[2]!]!), value);
    if (/^\d+(\.\d+)?$/.test(value.trim())) {
      return { problem: `expected ${DURATION_FORMAT}, got ${JSON.stringify(value)} (add a unit)` };
    }
  }
  return { problem: expectedMessage(DURATION_FORMAT, value) };
}

function atMostMax(ms: number, value: unknown): { ms: number } | { problem: string } {
  if (ms <= MAX_DURATION_MS) return { ms };
  return { problem: expectedMessage(`a duration of ${MAX_TEXT}`, value) };
}

/**
 * Parses a duration to milliseconds.
 *
 * @example parseDuration("1.5s") // 1500
 * @throws BerthError `CONFIG_INVALID` naming `where` when the value is not a duration.
 */
export function parseDuration(value: unknown, where = "duration"): number {
  const result = checkDuration(value);
  if ("ms" in result) return result.ms;
  throw new BerthError("CONFIG_INVALID", `${where}: ${result.problem}`);
}
