import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { foldersUp } from "./node-install.js";

/**
 * Programs the Node image has: Node's own, the package managers (through corepack), and
 * the shell's builtins a command may start with (`cd web && npm start`).
 */
const IN_NODE_IMAGE = new Set([
  "node",
  "npm",
  "npx",
  "corepack",
  "pnpm",
  "yarn",
  "sh",
  "bash",
  "env",
  "exec",
  "cd",
  "echo",
  "test",
  "[",
  "true",
  "export",
  "set",
]);

/**
 * Whether a service's command can run in the image berth writes for Node services: its
 * program is Node or a package manager, a file of the project's, or a binary of one of
 * the project's packages. Those are looked up in what is committed (package-lock.json
 * records each package's binaries; package.json names the packages), so a fresh clone
 * without `node_modules` publishes the same; `node_modules/.bin` counts too.
 *
 * @returns undefined when it can, else the program that the image lacks.
 * @example runsInNodeImage("redis-server --port {{port}}", "/app", "/app") // "redis-server"
 */
export function runsInNodeImage(
  command: string | string[],
  dir: string,
  projectDir: string,
): string | undefined {
  const program = firstProgram(command);
  if (program === undefined || IN_NODE_IMAGE.has(program)) return undefined;
  // A file of the project's is in the image; one that is not there will not be either.
  if (program.includes("/")) {
    return program.startsWith("/") || !existsSync(join(dir, program)) ? program : undefined;
  }
  const found = foldersUp(dir, projectDir).some(
    (folder) =>
      existsSync(join(folder, "node_modules", ".bin", program)) ||
      lockedBins(join(folder, "package-lock.json")).has(program) ||
      packageNames(join(folder, "package.json")).has(program),
  );
  return found ? undefined : program;
}

/** The program a command runs first: argv[0], or a shell line's first word after `VAR=…`. */
function firstProgram(command: string | string[]): string | undefined {
  if (Array.isArray(command)) return command[0];
  const words = command.trim().split(/\s+/);
  return words.find((word) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(word));
}

/** The binaries an npm lock file (version 2 or 3) records for its packages. */
function lockedBins(file: string): Set<string> {
  const lock = readJson(file) as { packages?: Record<string, { bin?: Record<string, string> }> };
  return new Set(Object.values(lock?.packages ?? {}).flatMap((p) => Object.keys(p.bin ?? {})));
}

/** The packages a package.json depends on: most name their binary after themselves. */
function packageNames(file: string): Set<string> {
  const pkg = readJson(file) as { dependencies?: object; devDependencies?: object } | undefined;
  return new Set([
    ...Object.keys(pkg?.dependencies ?? {}),
    ...Object.keys(pkg?.devDependencies ?? {}),
  ]);
}

function readJson(file: string): unknown {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}
