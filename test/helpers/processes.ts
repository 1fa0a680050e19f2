import { isAlive as isAliveProcess } from "../../src/platform/process-info.js";
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { readFileSync } from "node:fs";
import { listAllCandidates } from "../../src/monitor/scan.js";

/**
 * Every process a test starts is tracked here, and `killTracked` (run after each test)
 * kills its whole process group, so no test leaves anything behind.
 */
const tracked = new Set<number>();

export function track(pid: number | undefined): void {
  if (pid) tracked.add(pid);
}

/** Spawns in a new process group and tracks it. */
export function spawnTracked(
  file: string,
  args: string[],
  options: SpawnOptions = {},
): ChildProcess {
  const child = spawn(file, args, { ...options, detached: true });
  track(child.pid);
  return child;
}

// A zombie counts as gone: where PID 1 does not reap orphans, they never disappear.
const alive = (pid: number): boolean => isAliveProcess(pid);

function killGroup(pid: number, signal: NodeJS.Signals): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, signal);
    } catch {
      // already gone
    }
  }
}

/**
 * Tracks every app host with a socket in `dirs` (a test's own runtime dirs): a test that
 * fails before it learns a detached host's pid must not leave the host running. Only
 * processes running berth's CLI count; fake hosts name their sockets after the test's
 * own process.
 */
export function trackHostsIn(dirs: (string | undefined)[]): void {
  const present = dirs.filter((dir): dir is string => dir !== undefined);
  for (const { pid, socket } of listAllCandidates(present)) {
    if (socket !== "socket" || pid === process.pid) continue;
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      if (args.some((arg) => arg.endsWith("berth.cjs")) && args.includes("run")) track(pid);
    } catch {
      // gone, or no /proc: nothing to do
    }
  }
}

export async function killTracked(): Promise<void> {
  const pids = [...tracked];
  tracked.clear();
  for (const pid of pids) killGroup(pid, "SIGKILL");
  const deadline = Date.now() + 2000;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

/** True while a process with this pid exists. */
export function isAlive(pid: number): boolean {
  return alive(pid);
}

/** Waits until `predicate` holds, polling every 10 ms; throws with `what` after `timeoutMs`. */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Kills the guardian of the host run `runId` (it carries the run id on its command line),
 * so that nothing stops that run's services when the test kills its host.
 */
export function killGuardianOf(runId: string): void {
  const guardians = execFileSync("pgrep", ["-f", runId], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map(Number);
  for (const pid of guardians) process.kill(pid, "SIGKILL");
}
