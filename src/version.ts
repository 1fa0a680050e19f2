import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The folder of berth's own package.json. Found by walking up from this module, because the
 * module may run from `src/` (tests), `dist/` (the library) or the CLI bundle (`dist/cli/berth.cjs`).
 */
export const packageRoot: string = findRoot(dirname(fileURLToPath(import.meta.url)));

/** berth's own version, from its package.json. */
export const berthVersion: string = (
  JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { version: string }
).version;

function findRoot(dir: string): string {
  for (let current = dir; ; current = dirname(current)) {
    try {
      const { name } = JSON.parse(readFileSync(join(current, "package.json"), "utf8")) as {
        name?: string;
      };
      if (name === "berth") return current;
    } catch {
      // no package.json here: keep walking up
    }
    if (dirname(current) === current) {
      throw new Error(`berth's package.json was not found above ${dir}`);
    }
  }
}
