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
 * @throws BerthError `CONFIG_NOT_FOUND` saying where it looked and what to do, or
 *   `CONFIG_AMBIGUOUS` when the folder holds two config files (`.ts` and `.mjs`, say).
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

/**
 * The config file in `dir`, if any. Two of them is an error: which one a project means
 * would depend on the order berth looks in, and an edit to the other would silently do
 * nothing (a `berth.config.mjs` left over from before a move to TypeScript, say).
 */
function configIn(dir: string): string | undefined {
  const found = CONFIG_FILE_NAMES.filter((name) => kindOf(join(dir, name)) === "file");
  if (found.length > 1) {
    const names = `${found.slice(0, -1).join(", ")} and ${found.at(-1)}`;
    throw new BerthError(
      "CONFIG_AMBIGUOUS",
      `${dir} holds ${found.length} berth configs: ${names}. berth cannot tell which one ` +
        `is the project's: delete or rename the ones you do not use, or pass --config <file>.`,
    );
  }
  return found[0] === undefined ? undefined : join(dir, found[0]);
}

function kindOf(path: string): "file" | "dir" | undefined {
  const stats = statSync(path, { throwIfNoEntry: false });
  if (!stats) return undefined;
  return stats.isDirectory() ? "dir" : "file";
}
