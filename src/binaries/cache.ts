import { randomBytes } from "node:crypto";
import { lstat, readFile, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { berthHome } from "../platform/paths.js";
import { writeFileAtomic } from "../platform/atomic-write.js";
import { hashFile } from "./hash-file.js";

/**
 * The cache: `$BERTH_HOME/cache/binaries/<name>/<version>/`. An entry is complete only
 * with its marker, written last inside a staging folder that is then renamed into place,
 * so a reader sees either no entry or a whole one. Berth's own bookkeeping (staging
 * folders, locks, the project registry) has names starting with "." so a listing of
 * names and versions never mistakes it for an entry.
 */

export const MARKER = ".berth-binary.json";

/** What `.berth-binary.json` records about an installed binary. */
export interface BinaryMarker {
  name: string;
  version: string;
  /** Where it was downloaded from (placeholders filled in). */
  url: string;
  /** SHA-256 of the download, lowercase hex. */
  sha256: string;
  /** True when `sha256` was checked against the config (false: `insecure`). */
  verified: boolean;
  /** `linux-x64`: the platform it was fetched for (Node's names). */
  platform: string;
  /** The executable, relative to the entry's folder. */
  path: string;
  /** SHA-256 of the executable as installed, to notice it changed since. */
  executableSha256: string;
  /** ISO 8601. */
  installedAt: string;
  /** The check that passed, so it does not run on every start. */
  checked?: { args: string[]; at: string };
}

/** `$BERTH_HOME/cache/binaries`. */
export function binariesDir(home: string = berthHome()): string {
  return join(home, "cache", "binaries");
}

/** The folder of one installed version. */
export function entryDir(home: string, name: string, version: string): string {
  return join(binariesDir(home), name, version);
}

export type EntryState =
  | { state: "ok"; dir: string; marker: BinaryMarker; executable: string }
  | { state: "missing" }
  | { state: "broken"; reason: string };

/**
 * Whether `dir` holds a complete, unchanged install: its marker, and its executable with
 * the hash it had when installed. Hashing reads the whole file, which also warms the page
 * cache for the start that usually follows. `hash: false` skips it (a listing).
 */
export async function inspectEntry(
  dir: string,
  options: { hash?: boolean } = {},
): Promise<EntryState> {
  if (!(await lstat(dir).catch(() => undefined))) return { state: "missing" };
  const marker = await readMarker(dir);
  if (!marker) return { state: "broken", reason: "its install did not finish (no marker)" };
  const executable = join(dir, marker.path);
  const file = await lstat(executable).catch(() => undefined);
  if (!file) return { state: "broken", reason: `its executable ${marker.path} is missing` };
  if (options.hash === false) return { state: "ok", dir, marker, executable };
  const sha256 = await hashFile(executable).catch(() => undefined);
  if (sha256 !== marker.executableSha256) {
    return {
      state: "broken",
      reason: `its executable ${marker.path} changed since it was installed`,
    };
  }
  return { state: "ok", dir, marker, executable };
}

/** The marker of `dir`, or `undefined` when it is missing or not one of ours. */
export async function readMarker(dir: string): Promise<BinaryMarker | undefined> {
  try {
    const value = JSON.parse(await readFile(join(dir, MARKER), "utf8")) as Partial<BinaryMarker>;
    const texts = [value.name, value.version, value.url, value.sha256, value.path];
    if (!texts.every((t) => typeof t === "string" && t !== "")) return undefined;
    if (typeof value.executableSha256 !== "string" || typeof value.installedAt !== "string") {
      return undefined;
    }
    return value as BinaryMarker;
  } catch {
    return undefined;
  }
}

/** Writes the marker atomically: the last step of an install, and where a passed check is noted. */
export async function writeMarker(dir: string, marker: BinaryMarker): Promise<void> {
  await writeFileAtomic(join(dir, MARKER), `${JSON.stringify(marker, null, 2)}\n`);
}

/**
 * Moves a staged install to `dir` in one rename. When `dir` already exists (another process
 * won the race, or a broken entry is in the way): a usable entry is kept and ours
 * discarded; anything else is moved aside and removed, and ours takes its place.
 *
 * @returns `"installed"`, or `"kept"` when an existing entry was kept.
 */
export async function commitEntry(
  staged: string,
  dir: string,
  usable: (dir: string) => Promise<boolean>,
): Promise<"installed" | "kept"> {
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      await rename(staged, dir);
      return "installed";
    } catch (error) {
      if (!isTaken(error)) throw error;
    }
    if (await usable(dir)) {
      await rm(staged, { recursive: true, force: true });
      return "kept";
    }
    await discard(dir);
  }
  throw new Error(`could not move ${staged} to ${dir}: it keeps being replaced`);
}

/** Removes an entry: renamed out of the way first, so no one sees it half deleted. */
export async function discard(dir: string): Promise<void> {
  const trash = join(dirname(dir), `.trash-${process.pid}-${randomBytes(4).toString("hex")}`);
  try {
    await rename(dir, trash);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  await rm(trash, { recursive: true, force: true });
}

function isTaken(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ENOTEMPTY" || code === "EEXIST" || code === "ENOTDIR" || code === "EISDIR";
}
