import { rmSync, rmdirSync, statSync } from "node:fs";
import { sleep, systemClock, type Clock } from "../clock.js";
import { isAlive, processStartTime } from "../platform/process-info.js";
import { inspectStem, type InspectedCandidate } from "./scan.js";

/**
 * Orphans: what a crashed host left in the runtime dir. Deleting is only ever done after
 * two looks (the second one re-reads the sidecar), and never to something owned by a live
 * process whose start time matches its sidecar: a host that is starting writes its sidecar
 * first and listens a moment later, and a host whose PID was reused rewrites the sidecar.
 */

export type OrphanReason =
  /** No process has the PID any more. */
  | "dead-pid"
  /** The PID belongs to another process now: its start time differs from the sidecar's. */
  | "reused-pid"
  /**
   * Something that is not a socket (a plain file) sits under the socket's name: deleted at
   * once (with the sidecar) when its owner is gone, after the grace period when it is alive.
   */
  | "not-a-socket"
  /** A sidecar with no socket that has not been readable for longer than the grace period. */
  | "invalid-sidecar"
  /**
   * A socket without a readable sidecar for longer than the grace period: a host writes its
   * sidecar before it listens, so nothing proves the live process with that PID is one.
   */
  | "no-sidecar";

export interface OrphanVerdict {
  reason: OrphanReason;
  /** The files to delete. */
  files: string[];
}

export interface JudgeOptions {
  /**
   * How long a live owner's odd files are left alone, as possibly mid-start (default 10 s):
   * an unreadable sidecar with no socket, a plain file under the socket's name.
   */
  graceMs?: number;
  /** Wall-clock now, compared with file times (default `Date.now`). */
  wallNow?: () => number;
}

export interface SweepOptions extends JudgeOptions {
  clock?: Clock;
  /** Delay before the second look (default 75 ms). */
  recheckMs?: number;
  /** Told about each deletion, for verbose output. */
  log?: (message: string) => void;
  /** Abandons the sweep (nothing is deleted; the promise rejects with the signal's reason). */
  signal?: AbortSignal;
}

/** One orphan that was deleted. */
export interface SweptOrphan extends OrphanVerdict {
  socketPath: string;
  sidecarPath: string;
  pid: number;
}

export const DEFAULT_RECHECK_MS = 75;
export const DEFAULT_SIDECAR_GRACE_MS = 10_000;

/**
 * One look: the verdict on a candidate, or `undefined` when it must be left alone (a live
 * host, a host that is starting, or a sidecar that may still be being written).
 *
 * @example
 * judgeCandidate(candidate); // { reason: "dead-pid", files: [".../x.sock", ".../x.json"] }
 */
export function judgeCandidate(
  candidate: InspectedCandidate,
  options: JudgeOptions = {},
): OrphanVerdict | undefined {
  const owner = ownerOf(candidate);
  const sidecar = candidate.hasSidecar ? [candidate.sidecarPath] : [];
  const graceMs = options.graceMs ?? DEFAULT_SIDECAR_GRACE_MS;
  const wallNow = options.wallNow ?? Date.now;
  if (candidate.socket === "other") {
    if (owner !== "live")
      return { reason: "not-a-socket", files: [candidate.socketPath, ...sidecar] };
    // A live owner replaces the file itself when it binds; deleting it just as it binds
    // would delete its socket. Past the grace period no start is under way.
    const age = ageMs(candidate.socketPath, wallNow);
    return age !== undefined && age > graceMs
      ? { reason: "not-a-socket", files: [candidate.socketPath] }
      : undefined;
  }
  if (owner !== "live") {
    const files = candidate.socket === "socket" ? [candidate.socketPath, ...sidecar] : sidecar;
    return { reason: owner, files };
  }
  if (candidate.socket === "socket" && (!candidate.hasSidecar || candidate.sidecarInvalid)) {
    const age = ageMs(candidate.socketPath, wallNow);
    if (age !== undefined && age > graceMs) {
      return { reason: "no-sidecar", files: [candidate.socketPath, ...sidecar] };
    }
  }
  if (candidate.socket === "none" && candidate.sidecarInvalid) {
    // Without a readable sidecar a reused PID cannot be told apart: only age can.
    const age = ageMs(candidate.sidecarPath, wallNow);
    if (age !== undefined && age > graceMs) {
      return { reason: "invalid-sidecar", files: sidecar };
    }
  }
  return undefined;
}

/**
 * Deletes the orphans among `candidates`: judges each, waits `recheckMs`, looks again
 * (re-reading the folder and the sidecar) and deletes only what is still an orphan.
 * Resolves with what was deleted; returns at once when nothing looks orphaned.
 *
 * @example
 * const swept = await sweepOrphans(scanHosts(), { log: console.error });
 */
export async function sweepOrphans(
  candidates: InspectedCandidate[],
  options: SweepOptions = {},
): Promise<SweptOrphan[]> {
  const verdicts = candidates.map((c) => judgeCandidate(c, options));
  const suspects = candidates.filter((_, i) => verdicts[i] !== undefined);
  if (suspects.length === 0) return [];
  await sleep(
    options.clock ?? systemClock,
    options.recheckMs ?? DEFAULT_RECHECK_MS,
    options.signal,
  );
  const swept: SweptOrphan[] = [];
  for (const suspect of suspects) {
    options.signal?.throwIfAborted();
    const fresh = inspectStem(suspect.dir, suspect.stem);
    const verdict = judgeCandidate(fresh, options);
    if (!verdict || verdict.files.length === 0) continue;
    verdict.files.forEach(removeEntry);
    options.log?.(`removed stale ${verdict.files.join(", ")} (${verdict.reason})`);
    swept.push({
      ...verdict,
      socketPath: fresh.socketPath,
      sidecarPath: fresh.sidecarPath,
      pid: fresh.pid,
    });
  }
  return swept;
}

/**
 * Whose files these are: `live` when the PID runs and (where a sidecar says) it is the same
 * process; `reused` when the PID runs but started at another time than the sidecar says.
 */
function ownerOf(candidate: InspectedCandidate): "live" | "dead-pid" | "reused-pid" {
  if (!isAlive(candidate.pid)) return "dead-pid";
  if (!candidate.sidecar) return "live";
  // undefined (it died just now) differs from any recorded time, which is right.
  const startTime = processStartTime(candidate.pid);
  return startTime === candidate.sidecar.processStartTime ? "live" : "reused-pid";
}

function ageMs(path: string, wallNow: () => number): number | undefined {
  try {
    return wallNow() - statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Unlinks a socket or file; an empty folder under a socket's name goes too. */
function removeEntry(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EISDIR" || code === "ERR_FS_EISDIR") {
      try {
        rmdirSync(path);
      } catch {
        // not empty: not ours to empty
      }
    }
  }
}
