import type { RestartSpec } from "../model/app.js";
import { plural } from "../plural.js";
import { durationText } from "../duration-text.js";

export type RestartDecision =
  | { restart: false; reason: string }
  | { restart: true; delayMs: number; attempt: number }
  | { restart: false; crashLoop: true; reason: string };

/**
 * Decides what happens after a service's process ends on its own. Kept apart from the
 * process handling so the back-off and the crash-loop limit can be tested with plain numbers.
 * `recent` holds the times (clock ms) of earlier restarts; it is pruned to the window here.
 */
export function decideRestart(
  spec: RestartSpec,
  exit: { code: number | null; signal: NodeJS.Signals | null },
  recent: number[],
  now: number,
): RestartDecision {
  const failed = exit.code !== 0;
  const wanted = spec.policy === "always" || (spec.policy === "on-failure" && failed);
  if (!wanted) {
    return { restart: false, reason: describeExit(exit) };
  }
  while (recent.length > 0 && (recent[0] as number) <= now - spec.windowMs) recent.shift();
  if (recent.length >= spec.maxRestarts) {
    return {
      restart: false,
      crashLoop: true,
      reason:
        `${describeExit(exit)}; crash loop: restarted ${plural(recent.length, "time")} within ` +
        `${durationText(spec.windowMs)}, giving up`,
    };
  }
  const delayMs = Math.min(spec.maxDelayMs, spec.initialDelayMs * 2 ** recent.length);
  recent.push(now);
  return { restart: true, delayMs, attempt: recent.length };
}

export function describeExit(exit: { code: number | null; signal: NodeJS.Signals | null }): string {
  if (exit.signal) return `killed by ${exit.signal}`;
  return `exited with code ${exit.code}`;
}

/** Times a start that failed for a reason that may pass (EMFILE, EAGAIN) is tried again. */
export const SPAWN_RETRIES = 6;

/**
 * The wait before retry `attempt` (from 0) of a start that failed for a reason that may pass,
 * on the service's own back-off; undefined once the retries are used up. Whatever the restart
 * policy: the process never ran, so this is not a restart.
 */
export function spawnRetryDelay(spec: RestartSpec, attempt: number): number | undefined {
  if (attempt >= SPAWN_RETRIES) return undefined;
  return Math.min(spec.maxDelayMs, spec.initialDelayMs * 2 ** attempt);
}
