import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { repoRoot } from "./project.js";

/**
 * Vitest global setup of the end-to-end tests, which run the built CLI (`bin/berth.cjs` loads
 * `dist/`): refuses to start when dist/ is missing or older than a source file, instead of
 * silently testing a stale build.
 */
export default function distIsFresh(): void {
  const built = ["dist/cli/berth.cjs", "dist/index.js"].map((file) => {
    const mtime = statSync(join(repoRoot, file), { throwIfNoEntry: false })?.mtimeMs;
    if (mtime === undefined)
      throw new Error(`${file} is missing: run npm run build (npm test does)`);
    return mtime;
  });
  const newest = newestSource(join(repoRoot, "src"));
  if (newest && newest.mtimeMs > Math.min(...built)) {
    const file = relative(repoRoot, newest.path);
    throw new Error(`dist/ is older than ${file}: run npm run build (npm test does)`);
  }
}

/** The most recently changed file that goes into dist/ (tests do not). */
function newestSource(dir: string): { path: string; mtimeMs: number } | undefined {
  let newest: { path: string; mtimeMs: number } | undefined;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (
      !entry.isFile() ||
      !entry.name.endsWith(".ts") ||
      /\.test(-d|-helper)?\.ts$/.test(entry.name)
    ) {
      continue;
    }
    const path = join(entry.parentPath, entry.name);
    const { mtimeMs } = statSync(path);
    if (!newest || mtimeMs > newest.mtimeMs) newest = { path, mtimeMs };
  }
  return newest;
}
