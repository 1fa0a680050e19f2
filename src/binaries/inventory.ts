import { lstat, readdir, rm, rmdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { berthHome } from "../platform/paths.js";
import { binariesDir, discard, inspectEntry, MARKER } from "./cache.js";
import { removeLeftovers } from "./leftovers.js";
import { binaryUsage, usageKey } from "./usage.js";

/**
 * What `berth binaries` shows and `berth binaries prune` removes. The functions return
 * data; the command only prints it.
 */

export interface CachedBinary {
  name: string;
  version: string;
  /** The version's folder. */
  dir: string;
  /** Bytes of every file in the folder. */
  sizeBytes: number;
  /** ISO 8601, from the marker; `null` for an entry whose install never finished. */
  installedAt: string | null;
  /** `"incomplete"`: no marker or no executable; the next run that needs it installs it again. */
  status: "ok" | "incomplete";
  /** Folders of the projects whose state.json names this version. */
  usedBy: string[];
}

/** An entry this recent may belong to a host that has not recorded its use yet. */
export const PRUNE_GRACE_MS = 10 * 60_000;

/**
 * Every version in the cache, by name then version, with its size and users.
 *
 * @example for (const b of await listBinaries()) console.log(b.name, b.version, b.usedBy);
 */
export async function listBinaries(options: { home?: string } = {}): Promise<CachedBinary[]> {
  const home = options.home ?? berthHome();
  const { users } = await binaryUsage(home);
  const root = binariesDir(home);
  const found: CachedBinary[] = [];
  for (const name of await visibleEntries(root)) {
    for (const version of await visibleEntries(join(root, name))) {
      const dir = join(root, name, version);
      const entry = await inspectEntry(dir, { hash: false });
      found.push({
        name,
        version,
        dir,
        sizeBytes: await folderSize(dir),
        installedAt: entry.state === "ok" ? entry.marker.installedAt : null,
        status: entry.state === "ok" ? "ok" : "incomplete",
        usedBy: users.get(usageKey(name, version)) ?? [],
      });
    }
  }
  return found;
}

export interface PruneResult {
  dryRun: boolean;
  /** Removed (or, with `dryRun`, would be). */
  removed: CachedBinary[];
  /** Kept, with why. */
  kept: (CachedBinary & { reason: "in use" | "recently installed" })[];
  freedBytes: number;
  /** Work folders of interrupted installs, removed too. */
  leftovers: string[];
}

/**
 * Removes every cached version no project uses: a project counts while its state.json
 * exists and names that version. Versions installed or checked in the last 10 minutes are
 * kept, since a host that just installed one records its use a moment later.
 *
 * @example const { removed, freedBytes } = await pruneBinaries({ dryRun: true });
 */
export async function pruneBinaries(
  options: { dryRun?: boolean; home?: string; now?: number } = {},
): Promise<PruneResult> {
  const home = options.home ?? berthHome();
  const dryRun = options.dryRun ?? false;
  const now = options.now ?? Date.now();
  const result: PruneResult = { dryRun, removed: [], kept: [], freedBytes: 0, leftovers: [] };
  for (const binary of await listBinaries({ home })) {
    if (binary.usedBy.length > 0) result.kept.push({ ...binary, reason: "in use" });
    else if (now - (await lastTouched(binary.dir)) < PRUNE_GRACE_MS) {
      result.kept.push({ ...binary, reason: "recently installed" });
    } else {
      result.removed.push(binary);
      result.freedBytes += binary.sizeBytes;
      if (!dryRun) await discard(binary.dir);
    }
  }
  const root = binariesDir(home);
  for (const name of await visibleEntries(root)) {
    result.leftovers.push(...(await removeLeftovers(join(root, name), { dryRun })));
    // A name whose last version went: its folder goes too (fails harmlessly if not empty).
    if (!dryRun) await rmdir(join(root, name)).catch(() => {});
  }
  if (!dryRun) {
    for (const file of (await binaryUsage(home)).gone) await rm(file, { force: true });
  }
  return result;
}

/** Folders not starting with "." (those are berth's own bookkeeping). */
async function visibleEntries(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith("."))
    .map((e) => e.name)
    .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
}

async function folderSize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await folderSize(path);
    else total += (await lstat(path).catch(() => undefined))?.size ?? 0;
  }
  return total;
}

/** When the entry was last installed or checked: its marker's (or folder's) mtime. */
async function lastTouched(dir: string): Promise<number> {
  const marker = await stat(join(dir, MARKER)).catch(() => undefined);
  return marker?.mtimeMs ?? (await stat(dir).catch(() => undefined))?.mtimeMs ?? 0;
}
