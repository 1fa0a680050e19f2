import { readFile, rm, stat, writeFile } from "node:fs/promises";
import {
  isPid,
  isSameProcess,
  processStartTime,
  type ProcessIdentity,
} from "../platform/process-info.js";

/**
 * One install of a version at a time, so two berth processes starting together download
 * it once: the second waits and then finds it installed. Only an optimization: the atomic
 * rename into place keeps the cache right even when two installs do run at once (after a
 * stale lock was taken over by both, say).
 */

const POLL_MS = 100;
/** A lock file still empty after this long was left by a process that died writing it. */
const UNWRITTEN_GRACE_MS = 5_000;

interface Holder extends ProcessIdentity {
  createdAt: string;
}

export interface LockOptions {
  /** Called once when another process holds the lock, with its PID. */
  onWait?: (pid: number) => void;
  signal?: AbortSignal;
}

/**
 * Runs `task` holding the lock file `file` (created with `wx`). A lock whose process is
 * gone, or whose PID now belongs to another process (different start time), is stale and
 * taken over.
 *
 * @example await withInstallLock(`${dir}.lock`, { onWait: (pid) => log("info", `waiting for ${pid}`) }, () => install());
 */
export async function withInstallLock<T>(
  file: string,
  options: LockOptions,
  task: () => Promise<T>,
): Promise<T> {
  const mine = JSON.stringify({
    pid: process.pid,
    startTime: processStartTime(process.pid) ?? "unknown",
    createdAt: new Date().toISOString(),
  } satisfies Holder);
  let told = false;
  for (;;) {
    if (options.signal?.aborted) throw options.signal.reason;
    if (await create(file, mine)) break;
    const holder = await readHolder(file);
    if (holder === "gone") continue;
    if (holder === "stale") {
      await rm(file, { force: true });
      continue;
    }
    if (!told && holder) options.onWait?.(holder.pid);
    told = true;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  try {
    return await task();
  } finally {
    // Only our own: after a takeover race the file may be someone else's.
    if ((await readFile(file, "utf8").catch(() => undefined)) === mine)
      await rm(file, { force: true });
  }
}

async function create(file: string, content: string): Promise<boolean> {
  try {
    await writeFile(file, content, { flag: "wx", mode: 0o600 });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}

/** The live holder; `undefined` while it may still be writing; or why there is none. */
async function readHolder(file: string): Promise<Holder | "gone" | "stale" | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return "gone";
  }
  let holder: Partial<Holder> | undefined;
  try {
    holder = JSON.parse(text) as Partial<Holder>;
  } catch {
    holder = undefined;
  }
  if (holder && isPid(holder.pid) && typeof holder.startTime === "string") {
    return isSameProcess(holder as Holder) ? (holder as Holder) : "stale";
  }
  const age = await stat(file).then(
    (s) => Date.now() - s.mtimeMs,
    () => 0,
  );
  return age > UNWRITTEN_GRACE_MS ? "stale" : undefined;
}

/** True for a lock file whose holder is gone (what `berth binaries prune` clears). */
export async function isStaleLock(file: string): Promise<boolean> {
  return (await readHolder(file)) === "stale";
}
