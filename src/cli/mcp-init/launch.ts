import { readFileSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";

/** How a client starts `berth mcp`. */
export interface BerthLaunch {
  command: string;
  args: string[];
  /**
   * `npx`: berth is a dependency of the project, so the file works on every machine that
   * installed it. `path`: berth is not, so the file names this machine's node and berth.
   */
  via: "npx" | "path";
}

const PACKAGE_NAME = "berth-dev";
const DEPENDENCY_FIELDS = ["dependencies", "devDependencies", "optionalDependencies"] as const;

/**
 * The command a client runs for `berth mcp` in the project at `projectDir`.
 *
 * When a package.json in the project's folder or above lists berth-dev, the project's own
 * berth: `npx --no berth mcp`, which every clone finds in its node_modules once installed;
 * `--no` because without it, in a clone not yet installed, npx would fetch the unrelated
 * package called `berth` from the registry and run it.
 *
 * Otherwise this berth by absolute paths, node included: editors started from a desktop
 * often lack the shell's PATH (nvm, volta), where `berth` or `node` would not be found.
 *
 * @example
 * berthLaunch("/work/shop", "/usr/lib/node_modules/berth-dev")
 * // { command: "npx", args: ["--no", "berth", "mcp"], via: "npx" } when shop depends on berth-dev
 */
export function berthLaunch(
  projectDir: string,
  berthPackageRoot: string,
  nodePath: string = process.execPath,
): BerthLaunch {
  if (dependsOnBerth(projectDir)) {
    return { command: "npx", args: ["--no", "berth", "mcp"], via: "npx" };
  }
  const bin = join(realpathSync(berthPackageRoot), "bin", "berth.cjs");
  return { command: realpathSync(nodePath), args: [bin, "mcp"], via: "path" };
}

/** Whether a package.json in `dir` or a folder above lists berth-dev as a dependency. */
function dependsOnBerth(dir: string): boolean {
  for (let at = dir; ; at = dirname(at)) {
    const manifest = readManifest(join(at, "package.json"));
    if (manifest && DEPENDENCY_FIELDS.some((field) => lists(manifest[field]))) return true;
    if (dirname(at) === at) return false;
  }
}

type Manifest = Partial<Record<(typeof DEPENDENCY_FIELDS)[number], unknown>>;

function lists(dependencies: unknown): boolean {
  return typeof dependencies === "object" && dependencies !== null && PACKAGE_NAME in dependencies;
}

function readManifest(file: string): Manifest | undefined {
  try {
    const value: unknown = JSON.parse(readFileSync(file, "utf8"));
    return typeof value === "object" && value !== null ? (value as Manifest) : undefined;
  } catch {
    // No package.json here, or one npm could not read either: it lists nothing.
    return undefined;
  }
}
