import { realpathSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { BerthError } from "../errors.js";

/** Looked for in this order in each folder. */
export const CONFIG_FILE_NAMES = [
  "berth.config.ts",
  "berth.config.mts",
  "berth.config.js",
  "berth.config.mjs",
  "berth.config.json",
] as const;

const looked = `looked for ${CONFIG_FILE_NAMES.join(", ")}`;

/**
 * The real path of the project's config file: `explicit` (from `--config`, relative to
 * `cwd`; a folder means the config inside it), else the first config file found in `cwd`
 * or the nearest folder above it.
 *
 * @example findConfig("/work/app/src") // "/work/app/berth.config.ts"
 * @throws BerthError `CONFIG_NOT_FOUND` saying where it looked and what to do.
 */
export function findConfig(cwd: string, explicit?: string): string {
  if (explicit !== undefined) return findExplicit(cwd, explicit);
  const start = resolve(cwd);
  for (let dir = start; ; dir = dirname(dir)) {
    const found = configIn(dir);
    if (found) return realpathSync(found);
    if (dirname(dir) === dir) break;
  }
  throw new BerthError(
    "CONFIG_NOT_FOUND",
    `No berth config found in ${start} or any folder above it (${looked}). Create berth.config.ts in your project's folder, or pass --config <file>.`,
  );
}

function findExplicit(cwd: string, explicit: string): string {
  const path = resolve(cwd, explicit);
  const kind = kindOf(path);
  if (kind === "file") return realpathSync(path);
  if (kind === "dir") {
    const found = configIn(path);
    if (found) return realpathSync(found);
    throw new BerthError(
      "CONFIG_NOT_FOUND",
      `No berth config found in ${path} (given by --config; ${looked}). Create berth.config.ts there, or pass the config file itself to --config.`,
    );
  }
  throw new BerthError(
    "CONFIG_NOT_FOUND",
    `Config file ${path} does not exist (given by --config ${explicit}). Check the path, or leave --config out to find berth.config.ts from the current folder up.`,
  );
}

function configIn(dir: string): string | undefined {
  return CONFIG_FILE_NAMES.map((name) => join(dir, name)).find((p) => kindOf(p) === "file");
}

function kindOf(path: string): "file" | "dir" | undefined {
  const stats = statSync(path, { throwIfNoEntry: false });
  if (!stats) return undefined;
  return stats.isDirectory() ? "dir" : "file";
}
