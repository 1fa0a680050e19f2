import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { NodeBuild } from "./app.js";

/** Lock files, in the order looked for, with the command that installs exactly them. */
const LOCK_FILES = [
  { file: "package-lock.json", command: "npm ci" },
  { file: "npm-shrinkwrap.json", command: "npm ci" },
  { file: "pnpm-lock.yaml", command: "corepack enable && pnpm install --frozen-lockfile" },
  { file: "yarn.lock", command: "corepack enable && yarn install --immutable" },
] as const;

/**
 * How the Node image installs the project's dependencies: from its lock file, so the image
 * gets what was tested. A project with dependencies and no lock file is a problem (the
 * image would get whatever the registry has that day); one without a package.json, or
 * whose package.json lists none, installs nothing.
 */
export function nodeInstall(projectDir: string, problems: string[]): Pick<NodeBuild, "install"> {
  const manifest = join(projectDir, "package.json");
  if (!existsSync(manifest)) return {};
  const lock = LOCK_FILES.find(({ file }) => existsSync(join(projectDir, file)));
  if (lock) {
    // Yarn 1 has no --immutable; its lock file says which Yarn wrote it.
    const command =
      lock.file === "yarn.lock" && !existsSync(join(projectDir, ".yarnrc.yml"))
        ? "corepack enable && yarn install --frozen-lockfile"
        : lock.command;
    return { install: { files: ["package.json", lock.file], command } };
  }
  let pkg: { dependencies?: object; devDependencies?: object };
  try {
    pkg = JSON.parse(readFileSync(manifest, "utf8")) as typeof pkg;
  } catch (error) {
    problems.push(`${manifest} is not valid JSON (${(error as Error).message}); fix it first`);
    return {};
  }
  const count =
    Object.keys(pkg.dependencies ?? {}).length + Object.keys(pkg.devDependencies ?? {}).length;
  if (count > 0) {
    problems.push(
      `${manifest} lists dependencies but the project has no lock file, so the image could not install what you tested; run \`npm install\` (or your package manager's) to write one`,
    );
  }
  return {};
}
