import { checkDuration } from "../../config/duration.js";
import { ToolError } from "../errors.js";

/**
 * A `since` argument as milliseconds since the epoch: an ISO 8601 time
 * (`2026-12-05T21:00:00Z`), or a duration back from now (`90s`, `5m`, `1h`).
 *
 * @example
 * sinceTime("5m", Date.now()); // five minutes ago
 */
export function sinceTime(since: string | undefined, now: number): number | undefined {
  if (since === undefined || since.trim() === "") return undefined;
  const value = since.trim();
  const ago = checkDuration(value);
  if ("ms" in ago) return now - ago.ms;
  const time = Date.parse(value);
  if (!Number.isNaN(time)) return time;
  throw new ToolError(
    "USAGE",
    `since: "${value}" is neither a time (ISO 8601, such as 2026-12-05T21:00:00Z) nor a duration back from now (such as 90s, 5m or 1h).`,
  );
}
