import { randomBytes } from "node:crypto";
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { open, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { isAlive } from "./process-info.js";

/**
 * Files replaced whole, so a reader only ever sees the old or the new content, never a
 * half-written one: a temp file in the same folder (mode 0600: some hold a secret), then a
 * rename over the old one. Temp files are named `<file>.<pid>.<8 hex>.tmp`, so the ones a
 * killed berth left behind can be told apart and removed.
 */

/** The temp file name of an atomic write. */
const TEMP_FILE = /^.+\.(\d+)\.[0-9a-f]{8}\.tmp$/;

function tempFileFor(file: string): string {
  return `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
}

/** A failed write names no file, or the temp one: the file meant is the one to tell of. */
function nameTheFile(error: unknown, file: string, temp: string): unknown {
  const failed = error as NodeJS.ErrnoException;
  if (error instanceof Error && (failed.path === undefined || failed.path === temp)) {
    failed.path = file;
  }
  return error;
}

/**
 * Replaces `file` with `content` atomically and durably (temp file, fsync, rename), mode
 * 0600: for what must survive a crash of the machine (`state.json`, the host lock).
 *
 * @example
 * await writeFileAtomic(join(stateDir, "state.json"), `${JSON.stringify(state)}\n`);
 */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  const temp = tempFileFor(file);
  try {
    const handle = await open(temp, "wx", 0o600);
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw nameTheFile(error, file, temp);
  }
}

/**
 * Replaces `file` with `content` atomically, synchronously and without fsync, mode 0600: for
 * files that only live as long as the process that writes them (a control socket's
 * sidecar), where waiting for the disk would only delay what comes next.
 *
 * @example
 * writeFileAtomicSync(address.sidecarPath, `${JSON.stringify(sidecar)}\n`);
 */
export function writeFileAtomicSync(file: string, content: string): void {
  const temp = tempFileFor(file);
  try {
    writeFileSync(temp, content, { mode: 0o600, flag: "wx" });
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw nameTheFile(error, file, temp);
  }
}

/**
 * Removes the temp files of atomic writes (`host.json.<pid>.<rand>.tmp`, `state.json.…`)
 * left in `dir` by a berth killed mid-write. A file whose writer still runs is kept: it is
 * about to be renamed.
 */
export async function removeLeftoverTempFiles(dir: string): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(dir).catch(() => [])) {
    const pid = TEMP_FILE.exec(name)?.[1];
    if (pid === undefined || Number(pid) === process.pid || isAlive(Number(pid))) continue;
    await rm(join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
}
