import { sleep, systemClock, type Clock } from "../clock.js";
import {
  BERTH_ENV,
  findProcessesWithEnv,
  groupExists,
  isPid,
  isSameProcess,
  processStartTime,
  type ProcessIdentity,
} from "../platform/process-info.js";
import type { HostRecord } from "./lock.js";

/**
 * Kills what a crashed host left running, and never an unrelated process: a process is
 * only signalled once it is known to belong to that host's run — by the run id in its
 * environment (Linux), or as a recorded process group whose leader still has the recorded
 * start time (a PID can be reused; a PID together with its start time cannot).
 */

export interface CleanupOptions {
  log: (message: string) => void;
  /** Time between SIGTERM and SIGKILL; default 2000 ms. */
  graceMs?: number;
  /**
   * How leftovers are found: `environ` (Linux default) scans every process for the run id,
   * which also finds grandchildren that left their group; `groups` (elsewhere) trusts the
   * recorded groups only. Exposed so each method can be tested on Linux.
   */
  method?: "environ" | "groups";
  clock?: Clock;
}

/**
 * Stops every process of the crashed run `stale`: SIGTERM, then SIGKILL to what is left
 * after the grace period. Logs and returns the PIDs it signalled (empty: nothing was left).
 *
 * @example
 * if (lock.stale) await cleanupLeftovers(lock.stale, { log: (text) => say("warn", text) });
 * // "cleaned up 3 processes left by a crashed berth (PID 1234)"
 */
export async function cleanupLeftovers(
  stale: HostRecord,
  options: CleanupOptions,
): Promise<number[]> {
  const clock = options.clock ?? systemClock;
  const method = options.method ?? (process.platform === "linux" ? "environ" : "groups");
  const find = () => (method === "environ" ? runProcesses(stale.runId) : []);
  const processes = find();
  const groups = recordedGroups(stale);
  const signalled = new Set([...processes.map((p) => p.pid), ...groups]);
  if (signalled.size === 0) return [];

  signal(processes, groups, "SIGTERM");
  const left = () => processes.some(isSameProcess) || groups.some(groupExists);
  const deadline = clock.now() + (options.graceMs ?? 2000);
  while (left() && clock.now() < deadline) await sleep(clock, 25);

  // Anything forked during the grace period carries the run id too.
  const late = find().filter((p) => !signalled.has(p.pid));
  for (const p of late) signalled.add(p.pid);
  signal([...processes, ...late], groups, "SIGKILL");
  const killDeadline = clock.now() + 1000;
  while ((left() || late.some(isSameProcess)) && clock.now() < killDeadline) await sleep(clock, 10);

  const count = signalled.size;
  options.log(
    `cleaned up ${count} process${count === 1 ? "" : "es"} left by a crashed berth (PID ${stale.pid})`,
  );
  return [...signalled];
}

/** Processes with the run id, with their start time taken now to guard the later signals. */
function runProcesses(runId: string): ProcessIdentity[] {
  return findProcessesWithEnv(BERTH_ENV.runId, runId).flatMap((pid) => {
    const startTime = processStartTime(pid);
    return startTime === undefined ? [] : [{ pid, startTime }];
  });
}

/** Recorded groups whose leader is still the recorded process. */
function recordedGroups(stale: HostRecord): number[] {
  return Object.values(stale.services)
    .filter((s) => isPid(s.pgid) && s.pgid > 1 && s.pgid === s.pid && isSameProcess(s))
    .map((s) => s.pgid);
}

/**
 * Groups were checked by their leader when found; signalling them again later is still
 * safe even if the leader has exited meanwhile: a group's ID cannot be given to a new
 * process while any member of the group is left.
 */
function signal(processes: ProcessIdentity[], groups: number[], name: NodeJS.Signals): void {
  for (const pgid of groups) tryKill(-pgid, name);
  for (const p of processes) if (isSameProcess(p)) tryKill(p.pid, name);
}

function tryKill(target: number, name: NodeJS.Signals): void {
  try {
    process.kill(target, name);
  } catch {
    // gone already, or not ours to signal
  }
}
