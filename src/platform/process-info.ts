import { readdirSync, readFileSync } from "node:fs";
import { lazyChildProcess } from "./builtins.js";

/**
 * What berth can learn about a process by its PID. PIDs are reused, so a PID alone never
 * identifies a process: berth records the start time next to it and compares both.
 */

/** A process as berth records it: its PID plus its start time, to survive PID reuse. */
export interface ProcessIdentity {
  pid: number;
  /** As returned by `processStartTime`; only comparable on the same machine and boot. */
  startTime: string;
}

/**
 * Environment variables berth sets on every service it starts. Children inherit them, so
 * they mark a service's whole process tree, and let a port's holder be named.
 */
export const BERTH_ENV = {
  /** Unique per `berth run`: finds every process of one run, grandchildren included. */
  runId: "BERTH_RUN_ID",
  instance: "BERTH_INSTANCE",
  service: "BERTH_SERVICE",
  /** The project folder. */
  project: "BERTH_PROJECT",
} as const;

const isLinux = process.platform === "linux";

/**
 * The process's start time as an opaque string, or `undefined` when there is no such
 * process (or it cannot be seen).
 *
 * @example
 * processStartTime(process.pid); // "123456" on Linux (clock ticks since boot)
 */
export function processStartTime(pid: number): string | undefined {
  if (isLinux) return linuxStat(pid)?.[19];
  try {
    // lstart is to the second; LC_ALL=C keeps its format stable across locales.
    const out = lazyChildProcess()
      .execFileSync("ps", ["-o", "lstart=", "-p", String(pid)], {
        encoding: "utf8",
        env: { ...process.env, LC_ALL: "C" },
        stdio: ["ignore", "pipe", "ignore"],
      })
      .trim();
    return out === "" ? undefined : out;
  } catch {
    return undefined;
  }
}

/**
 * True while a process with this PID exists (one owned by another user counts). On Linux a
 * zombie counts as gone: it holds no port and does no work, and where PID 1 does not reap
 * orphans it would otherwise look alive forever.
 */
export function isAlive(pid: number): boolean {
  if (!isPid(pid) || !signalZero(pid)) return false;
  if (!isLinux) return true;
  const state = linuxStat(pid)?.[0];
  return state !== "Z" && state !== "X";
}

/**
 * A look at whether `pid` is at work, to tell a process that is slow (starved of CPU on a
 * busy machine) from one that is hung: each call says whether, since the last one (or the
 * first look), it used CPU time or it is running or waiting for a CPU or the disk now. A
 * stopped (SIGSTOP) or sleeping process that used no CPU is not at work. Linux only:
 * elsewhere it always says no.
 *
 * @example
 * const working = activityOf(pid); // … later:
 * if (working()) waitLonger();
 */
export function activityOf(pid: number): () => boolean {
  const ticks = () => {
    const stat = isLinux ? linuxStat(pid) : undefined;
    return stat ? { state: stat[0], cpu: Number(stat[11]) + Number(stat[12]) } : undefined;
  };
  let last = ticks()?.cpu;
  return () => {
    const now = ticks();
    if (!now) return false;
    const worked = (last !== undefined && now.cpu > last) || now.state === "R" || now.state === "D";
    last = now.cpu;
    return worked;
  };
}

/** True when `pid` is alive and is still the process that was recorded (same start time). */
export function isSameProcess(identity: ProcessIdentity): boolean {
  return isAlive(identity.pid) && processStartTime(identity.pid) === identity.startTime;
}

/** True while the process group has a member (on Linux: a member that is not a zombie). */
export function groupExists(pgid: number): boolean {
  // Guarded: kill(0) and kill(-1) would address this process's own group and every process.
  if (!isPid(pgid) || pgid === 1 || !signalZero(-pgid)) return false;
  if (!isLinux) return true;
  return listPids().some((pid) => {
    const stat = linuxStat(pid);
    return stat !== undefined && Number(stat[2]) === pgid && stat[0] !== "Z" && stat[0] !== "X";
  });
}

/**
 * PIDs of the processes (other than this one) whose initial environment holds
 * `name=value`. Linux only: elsewhere it returns `[]`. Processes whose environment cannot
 * be read (another user's, or already gone) are skipped.
 *
 * @example
 * findProcessesWithEnv("BERTH_RUN_ID", runId); // [4242, 4250]
 */
export function findProcessesWithEnv(name: string, value: string): number[] {
  if (!isLinux) return [];
  const needle = Buffer.from(`${name}=${value}\0`);
  const found: number[] = [];
  for (const pid of listPids()) {
    if (pid === process.pid) continue;
    const environ = readProc(pid, "environ");
    if (environ && hasEntry(environ, needle)) found.push(pid);
  }
  return found;
}

/** Reads `/proc/<pid>/environ` as a map; `undefined` when it cannot be read. Linux only. */
export function readEnviron(pid: number): Map<string, string> | undefined {
  const environ = readProc(pid, "environ");
  if (!environ) return undefined;
  const vars = new Map<string, string>();
  for (const entry of environ.toString("utf8").split("\0")) {
    const eq = entry.indexOf("=");
    if (eq > 0) vars.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  return vars;
}

/** Numeric entries of /proc, i.e. the PIDs this process can see. Linux only. */
export function listPids(): number[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  return entries.filter((e) => /^\d+$/.test(e)).map(Number);
}

function hasEntry(environ: Buffer, needle: Buffer): boolean {
  // A match must start an entry, or `XBERTH_RUN_ID=…` would count.
  for (let at = environ.indexOf(needle); at !== -1; at = environ.indexOf(needle, at + 1)) {
    if (at === 0 || environ[at - 1] === 0) return true;
  }
  return false;
}

/** The fields of /proc/<pid>/stat from the state on (field 3 is index 0). */
function linuxStat(pid: number): string[] | undefined {
  const stat = readProc(pid, "stat")?.toString("latin1");
  if (!stat) return undefined;
  // The command name (field 2) may itself hold spaces and parentheses: skip past the last ")".
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

function readProc(pid: number, file: string): Buffer | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`);
  } catch {
    return undefined;
  }
}

/** A real PID: a positive integer (0 and negatives address groups in `kill`). */
export function isPid(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) > 0;
}

function signalZero(target: number): boolean {
  try {
    process.kill(target, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
