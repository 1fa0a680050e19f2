import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { berthHome } from "../platform/paths.js";
import { writeFileAtomic } from "../platform/atomic-write.js";
import { binariesDir } from "./cache.js";

/**
 * Which projects use which binaries, so `berth binaries prune` knows what to keep: one
 * small file per project in `$BERTH_HOME/cache/binaries/.projects/`. One file each (rather
 * than one shared file) means two hosts recording at once never lose each other's update,
 * with no lock.
 */

export interface ProjectRecord {
  /** The project's `.berth` folder (absolute). */
  stateDir: string;
  /** Binary name → version, as last recorded. */
  binaries: Record<string, string>;
  /** ISO 8601. */
  updatedAt: string;
}

const registryDir = (home: string) => join(binariesDir(home), ".projects");

const recordFile = (home: string, stateDir: string) =>
  join(
    registryDir(home),
    `${createHash("sha256").update(stateDir).digest("hex").slice(0, 16)}.json`,
  );

/**
 * Notes that the project whose state folder is `stateDir` now uses these binary versions
 * (the same map as state.json's `binaries`). The host calls it after `ensureBinary`; an
 * empty map forgets the project.
 *
 * @example await recordBinaryUse("/home/me/shop/.berth", { mytool: "1.2.0" });
 */
export async function recordBinaryUse(
  stateDir: string,
  binaries: Record<string, string>,
  options: { home?: string } = {},
): Promise<void> {
  const home = options.home ?? berthHome();
  const absolute = resolve(stateDir);
  const file = recordFile(home, absolute);
  if (Object.keys(binaries).length === 0) {
    await rm(file, { force: true });
    return;
  }
  await mkdir(registryDir(home), { recursive: true });
  const record: ProjectRecord = {
    stateDir: absolute,
    binaries,
    updatedAt: new Date().toISOString(),
  };
  await writeFileAtomic(file, `${JSON.stringify(record, null, 2)}\n`);
}

/** Every recorded project, with the file that records it. Unreadable files are skipped. */
export async function readProjects(home: string): Promise<(ProjectRecord & { file: string })[]> {
  const dir = registryDir(home);
  const names = await readdir(dir).catch(() => [] as string[]);
  const records: (ProjectRecord & { file: string })[] = [];
  for (const name of names.filter((n) => n.endsWith(".json"))) {
    const file = join(dir, name);
    try {
      const value = JSON.parse(await readFile(file, "utf8")) as Partial<ProjectRecord>;
      if (
        typeof value.stateDir !== "string" ||
        typeof value.binaries !== "object" ||
        !value.binaries
      )
        continue;
      records.push({
        stateDir: value.stateDir,
        binaries: value.binaries,
        updatedAt: String(value.updatedAt),
        file,
      });
    } catch {
      // A file being replaced or hand-edited: it is simply not counted.
    }
  }
  return records;
}
