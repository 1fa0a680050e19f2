import { readFileSync } from "node:fs";

/**
 * Every service runs as the leader of its own process group, so one signal reaches the
 * service and everything it started (grandchildren included).
 */

/** Sends `signal` to every process in the group; false when the group is already gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  if (!Number.isInteger(pgid) || pgid <= 1) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw error;
  }
}

/**
 * The parent and the process group of `pid`, read from `/proc` (Linux only: elsewhere, and
 * for a process that is gone or a zombie, `undefined`).
 *
 * @example
 * processRelations(process.pid); // { ppid: 4200, pgid: 4200 }
 */
export function processRelations(pid: number): { ppid: number; pgid: number } | undefined {
  if (process.platform !== "linux") return undefined;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "latin1");
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: fields resume after the last ")".
  const [state, ppid, pgid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  if (state === "Z" || state === "X") return undefined;
  return { ppid: Number(ppid), pgid: Number(pgid) };
}
