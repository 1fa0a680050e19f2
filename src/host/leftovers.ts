import { constants } from "node:os";
import { sleep, systemClock, type Clock } from "../clock.js";
import { processRelations } from "../platform/process-group.js";
import {
  BERTH_ENV,
  findProcessesWithEnv,
  groupExists,
  isPid,
  isSameProcess,
  processStartTime,
  readEnviron,
  type ProcessIdentity,
} from "../platform/process-info.js";
import { durationText } from "../duration-text.js";
import type { HostRecord } from "./lock.js";

/**
 * Kills what a crashed host left running, and never an unrelated process: a process is
 * only signalled once it is known to belong to that host's run — by the run id in its
 * environment (Linux), or as a recorded process group whose leader still has the recorded
 * start time (a PID can be reused; a PID together with its start time cannot).
 */

export interface CleanupOptions {
  log: (message: string) => void;
  /**
   * Time between the stop signal and SIGKILL for a process whose service's stop is not
   * recorded (a record of an older version, a stray of a service that had ended); default
   * 5000 ms, the config's default `stopTimeout`. Recorded services use their own.
   */
  graceMs?: number;
  /**
   * How leftovers are found: `environ` (Linux default) scans every process for the run id,
   * which also finds grandchildren that left their group; `groups` (elsewhere) trusts the
   * recorded groups only. Exposed so each method can be tested on Linux.
   */
  method?: "environ" | "groups";
  clock?: Clock;
}

/** Something to stop: a recorded group, or a process of the run outside those groups. */
interface Target {
  /** The service it belongs to, when known. */
  service?: string;
  signal: NodeJS.Signals;
  graceMs: number;
  /** Clock time after which it gets SIGKILL. */
  deadline: number;
  alive(): boolean;
  send(signal: NodeJS.Signals): void;
}

/** Beyond the longest grace period, what is still left of the run is killed outright. */
const GIVE_UP_AFTER_MS = 5000;

/**
 * Stops every process of the crashed run `stale` as its host would have: each recorded
 * group gets its service's own stop signal, then SIGKILL once the service's stop timeout
 * is over. A process of the run outside those groups (found by its run id, on Linux) is
 * left to its parent when that is of the run too (PostgreSQL's postmaster puts each child
 * in a session of its own and stops them itself), and otherwise stopped like the service
 * it belongs to. Logs what had to be killed and how many processes were left; returns the
 * PIDs it signalled (empty: nothing was left).
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
  const groups = recordedGroups(stale);
  const signalled = new Set(groups.map((g) => g.pgid));
  const stopOf = (service: string | undefined) => {
    const record = service === undefined ? undefined : stale.services[service];
    // host.json may come from an older or newer berth: only what is understood is used.
    const signal = record?.stopSignal;
    const graceMs = record?.stopTimeoutMs;
    return {
      signal: typeof signal === "string" && signal in constants.signals ? signal : "SIGTERM",
      graceMs: typeof graceMs === "number" && graceMs >= 0 ? graceMs : (options.graceMs ?? 5000),
    };
  };
  const begin = (target: Omit<Target, "deadline">): Target => {
    target.send(target.signal);
    return { ...target, deadline: clock.now() + target.graceMs };
  };

  const pending = new Set<Target>();
  // Processes of the run outside the groups, as they become ones to stop.
  const inGroups = new Set(signalled);
  const targeted = new Set<number>();
  let run: ProcessIdentity[] = [];
  const scan = () => {
    run = method === "environ" ? runProcesses(stale.runId) : [];
    const pids = new Set(run.map((p) => p.pid));
    for (const p of run) {
      signalled.add(p.pid);
      const relations = processRelations(p.pid);
      if (targeted.has(p.pid) || !relations || inGroups.has(relations.pgid)) continue;
      if (pids.has(relations.ppid)) continue; // its parent stops it
      targeted.add(p.pid);
      const service = readEnviron(p.pid)?.get(BERTH_ENV.service);
      pending.add(
        begin({
          service,
          ...stopOf(service),
          alive: () => isSameProcess(p),
          send: (name) => {
            if (isSameProcess(p)) tryKill(p.pid, name);
          },
        }),
      );
    }
  };
  // Found before any signal, so the count includes what a group's signal ends at once.
  scan();
  for (const { service, pgid } of groups) {
    pending.add(
      begin({
        service,
        ...stopOf(service),
        alive: () => groupExists(pgid),
        send: (name) => tryKill(-pgid, name),
      }),
    );
  }
  if (signalled.size === 0) return [];

  const killed: Target[] = [];
  let giveUp = Math.max(clock.now(), ...[...pending].map((t) => t.deadline)) + GIVE_UP_AFTER_MS;
  for (let round = 0; ; round++) {
    for (const target of pending) {
      if (!target.alive()) pending.delete(target);
      else if (clock.now() >= target.deadline) {
        target.send("SIGKILL");
        killed.push(target);
        pending.delete(target);
      }
    }
    if (pending.size === 0 || round % 4 === 0) {
      scan();
      for (const target of pending) giveUp = Math.max(giveUp, target.deadline + GIVE_UP_AFTER_MS);
    }
    const left = run.filter(isSameProcess);
    if (pending.size === 0 && left.length === 0 && !killed.some((t) => t.alive())) break;
    if (clock.now() >= giveUp) {
      for (const p of left) tryKill(p.pid, "SIGKILL");
      break;
    }
    await sleep(clock, 25);
  }

  for (const line of killedLines(killed)) options.log(line);
  const count = signalled.size;
  options.log(
    `cleaned up ${count} process${count === 1 ? "" : "es"} left by a crashed berth (PID ${stale.pid})`,
  );
  return [...signalled];
}

/** "db did not stop within 5 s of SIGINT; killed", once per service. */
function killedLines(killed: Target[]): string[] {
  const lines = killed.map(
    (t) =>
      `${t.service ?? "a process of the crashed run"} did not stop within ` +
      `${durationText(t.graceMs)} of ${t.signal}; killed`,
  );
  return [...new Set(lines)];
}

/** Processes with the run id, with their start time taken now to guard the later signals. */
function runProcesses(runId: string): ProcessIdentity[] {
  return findProcessesWithEnv(BERTH_ENV.runId, runId).flatMap((pid) => {
    const startTime = processStartTime(pid);
    return startTime === undefined ? [] : [{ pid, startTime }];
  });
}

/** Recorded groups whose leader is still the recorded process. */
function recordedGroups(stale: HostRecord): { service: string; pgid: number }[] {
  return Object.entries(stale.services)
    .filter(([, s]) => isPid(s.pgid) && s.pgid > 1 && s.pgid === s.pid && isSameProcess(s))
    .map(([service, s]) => ({ service, pgid: s.pgid }));
}

/**
 * Groups were checked by their leader when found; signalling them again later is still
 * safe even if the leader has exited meanwhile: a group's ID cannot be given to a new
 * process while any member of the group is left.
 */
function tryKill(target: number, name: NodeJS.Signals): void {
  try {
    process.kill(target, name);
  } catch {
    // gone already, or not ours to signal
  }
}
