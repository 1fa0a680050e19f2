/**
 * The files a host keeps in the runtime dir: the dir itself (private to the user), the
 * JSON sidecar and the socket, each removed only while it is still the file it made.
 */
import { chmodSync, mkdirSync, statSync, unlinkSync, type Stats } from "node:fs";
import { BerthError } from "../errors.js";

/** Which file a path held when this host made it (a later file there is someone else's). */
export type FileIdentity = Pick<Stats, "dev" | "ino">;

/**
 * Creates `dir` (and missing parents) with mode 0700, or tightens an existing one of ours
 * that is open to others. A dir owned by another user is refused: the fallback lives in
 * the shared /tmp, where anyone could have made it first.
 */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stats = statSync(dir);
  if (!stats.isDirectory()) {
    throw new BerthError(
      "RUNTIME_DIR_UNUSABLE",
      `The runtime dir ${dir} is not a folder. Remove it, or set BERTH_RUNTIME_DIR to a folder of your own.`,
    );
  }
  const uid = process.getuid?.();
  if (uid !== undefined && stats.uid !== uid) {
    throw new BerthError(
      "RUNTIME_DIR_UNUSABLE",
      `The runtime dir ${dir} belongs to another user (uid ${stats.uid}). ` +
        `Set BERTH_RUNTIME_DIR to a folder of your own.`,
    );
  }
  if ((stats.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

/** Identity of what is at `path` now. */
export function identify(path: string): FileIdentity {
  const { dev, ino } = statSync(path);
  return { dev, ino };
}

/** Removes `path` if it is still the file `expected` names. */
export function removeIfSame(path: string, expected: FileIdentity): void {
  try {
    const now = statSync(path);
    if (now.dev === expected.dev && now.ino === expected.ino) unlinkSync(path);
  } catch {
    // Gone already (the socket's listener unlinks it on close), or not ours to touch.
  }
}
