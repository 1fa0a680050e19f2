import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import type { NodeInstall } from "./app.js";

/** Lock files, in the order looked for, with the command that installs exactly them. */
const LOCK_FILES = [
  { file: "package-lock.json", command: "npm ci" },
  { file: "npm-shrinkwrap.json", command: "npm ci" },
  { file: "pnpm-lock.yaml", command: "corepack enable && pnpm install --frozen-lockfile" },
  { file: "yarn.lock", command: "corepack enable && yarn install --immutable" },
] as const;

/** The folders from `dir` up to `root`, nearest first (`dir` must be inside `root`). */
export function foldersUp(dir: string, root: string): string[] {
  const folders = [dir];
  for (let at = dir; at !== root && dirname(at) !== at;) {
    at = dirname(at);
    folders.push(at);
  }
  return folders;
}

/**
 * Where the Node image installs dependencies for services in these folders: for each, the
 * nearest folder up to the project's that has a lock file (one install covers a workspace),
 * so the image gets exactly what was tested. A package.json with dependencies and no lock
 * file above it is a problem: the image would get whatever the registry has that day.
 */
export function nodeInstalls(
  serviceDirs: readonly string[],
  projectDir: string,
  problems: string[],
): NodeInstall[] {
  const installs = new Map<string, NodeInstall>();
  for (const dir of serviceDirs) {
    const chain = foldersUp(dir, projectDir);
    const at = chain.find((folder) =>
      LOCK_FILES.some(({ file }) => existsSync(join(folder, file))),
    );
    if (at === undefined) {
      const needs = chain.find((folder) => dependencyCount(join(folder, "package.json"), problems));
      if (needs !== undefined) {
        problems.push(
          `${join(needs, "package.json")} lists dependencies but has no lock file, so the image could not install what you tested; run \`npm install\` (or your package manager's) there to write one`,
        );
      }
      continue;
    }
    // A package below the lock's folder is installed by it only as a workspace member.
    const below = chain.slice(0, chain.indexOf(at));
    const uncovered = below.find((folder) =>
      dependencyCount(join(folder, "package.json"), problems),
    );
    if (uncovered !== undefined && !hasWorkspaces(at)) {
      problems.push(
        `${join(uncovered, "package.json")} lists dependencies but has no lock file, and the one in ${at} does not install them (it has no workspaces); run \`npm install\` (or your package manager's) in ${uncovered} to write one, or make it a workspace`,
      );
      continue;
    }
    if (installs.has(at)) continue;
    const lock = LOCK_FILES.find(({ file }) => existsSync(join(at, file)))!;
    // Yarn 1 has no --immutable; Yarn 2 and later keep a .yarnrc.yml.
    const command =
      lock.file === "yarn.lock" && !existsSync(join(at, ".yarnrc.yml"))
        ? "corepack enable && yarn install --frozen-lockfile"
        : lock.command;
    installs.set(at, { dir: relative(projectDir, at) || ".", command });
  }
  return [...installs.values()].sort((a, b) => (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0));
}

function dependencyCount(manifest: string, problems: string[]): number {
  if (!existsSync(manifest)) return 0;
  try {
    const pkg = JSON.parse(readFileSync(manifest, "utf8")) as {
      dependencies?: object;
      devDependencies?: object;
    };
    return (
      Object.keys(pkg.dependencies ?? {}).length + Object.keys(pkg.devDependencies ?? {}).length
    );
  } catch (error) {
    problems.push(`${manifest} is not valid JSON (${(error as Error).message}); fix it first`);
    return 0;
  }
}

/** Whether the folder's install covers packages below it: npm and Yarn workspaces, pnpm's. */
function hasWorkspaces(folder: string): boolean {
  if (existsSync(join(folder, "pnpm-workspace.yaml"))) return true;
  try {
    const pkg = JSON.parse(readFileSync(join(folder, "package.json"), "utf8")) as {
      workspaces?: unknown;
    };
    return pkg.workspaces !== undefined;
  } catch {
    return false;
  }
}
