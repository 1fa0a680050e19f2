import { isAlive as isAliveProcess } from "../../src/platform/process-info.js";
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";

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
