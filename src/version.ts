import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Set by scripts/bundle.mjs in the CLI bundle (`dist/cli/berth.cjs`), whose place in the
 * package is known: every command reads neither package.json nor the folders above it.
 */
declare const BERTH_BUNDLED_VERSION: string | undefined;
const bundled = typeof BERTH_BUNDLED_VERSION === "string" ? BERTH_BUNDLED_VERSION : undefined;
const here = dirname(fileURLToPath(import.meta.url));

/**
 * The folder of berth's own package.json. Found by walking up from this module, because the
 * module may run from `src/` (tests) or the CLI bundle (`dist/cli/berth.cjs`).
 */
export const packageRoot: string = bundled ? join(here, "..", "..") : findRoot(here);

/** berth's own version, from its package.json. */
export const berthVersion: string =
  bundled ??
  (JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { version: string })
    .version;

function findRoot(dir: string): string {
  for (let current = dir; ; current = dirname(current)) {
    try {
      const { name } = JSON.parse(readFileSync(join(current, "package.json"), "utf8")) as {
        name?: string;
      };
      if (name === "berth-dev") return current;
    } catch {
      // no package.json here: keep walking up
    }
    if (dirname(current) === current) {
      throw new Error(`berth's package.json was not found above ${dir}`);
    }
  }
}
