/**
 * Loopback has two addresses, and a service may listen on either: Node binds `localhost`
 * to ::1 first on many machines, others bind only 127.0.0.1. Probing both in parallel
 * finds either without guessing and without waiting for one to fail first.
 */
import { describeConnectionError, notReady, type ProbeResult } from "./probe.js";

/** The addresses every TCP and HTTP probe tries. */
export const LOOPBACK_HOSTS = ["127.0.0.1", "::1"] as const;

/** Reasons that only say nobody listens there: the other address says more. */
const NOBODY_THERE = new Set(["connection refused", "address not available"]);

/**
 * Runs `probeOne` on both loopback addresses at once: ready as soon as either is ready;
 * otherwise, once both have failed, the more telling failure (or both, when they differ).
 */
export function onEitherLoopback(
  probeOne: (host: string) => Promise<ProbeResult>,
): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const failures: ({ host: string; result: ProbeResult } | undefined)[] = [];
    let pending = LOOPBACK_HOSTS.length;
    LOOPBACK_HOSTS.forEach((host, index) => {
      // Cannot reject: settled() turns a failed probe into a not-ready result.
      void settled(probeOne(host)).then((result) => {
        if (result.ok) return resolve(result);
        failures[index] = { host, result };
        if (--pending === 0) resolve(mergeFailures(failures.filter((f) => f !== undefined)));
      });
    });
  });
}

/** A probe that throws (a bug, a malformed URL) fails its attempt instead of hanging the wait. */
function settled(result: Promise<ProbeResult>): Promise<ProbeResult> {
  return result.catch((error: unknown) => notReady(describeConnectionError(error)));
}

function mergeFailures(failures: { host: string; result: ProbeResult }[]): ProbeResult {
  const fatal = failures.find((f) => !f.result.ok && f.result.fatal);
  if (fatal) return fatal.result;
  const reasons = failures.map((f) => ({
    host: f.host,
    reason: f.result.ok ? "" : f.result.reason,
  }));
  const telling = reasons.filter((r) => !NOBODY_THERE.has(r.reason));
  const shown = telling.length > 0 ? telling : reasons;
  const distinct = new Set(shown.map((r) => r.reason));
  if (distinct.size === 1) return { ok: false, reason: [...distinct][0]! };
  return { ok: false, reason: shown.map((r) => `${r.host}: ${r.reason}`).join("; ") };
}
