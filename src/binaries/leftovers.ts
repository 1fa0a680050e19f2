import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { isAlive } from "../platform/process-info.js";
import { isStaleLock } from "./lock.js";

/** `.staging-<pid>-<random>` and `.trash-<pid>-<random>`: work folders of one process. */
const workFolder = /^\.(staging|trash)-(\d+)-[0-9a-zA-Z]+$/;

/** The name of a new staging folder for this process (inside a binary's folder). */
export function stagingName(): string {
  return `.staging-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
}

/**
 * Removes work folders and lock files left in a binary's folder by processes that died
 * mid-install (a killed berth leaves its half download behind). Live processes' are theirs.
 *
 * @returns the folders removed (or that would be, with `dryRun`).
 */
export async function removeLeftovers(
  nameDir: string,
  options: { dryRun?: boolean } = {},
): Promise<string[]> {
  const entries = await readdir(nameDir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const entry of entries) {
    const match = workFolder.exec(entry);
    const path = join(nameDir, entry);
    const dead = match
      ? !isAlive(Number(match[2]))
      : entry.endsWith(".lock") && (await isStaleLock(path));
    if (!dead) continue;
    removed.push(path);
    if (!options.dryRun) await rm(path, { recursive: true, force: true });
  }
  return removed;
}
