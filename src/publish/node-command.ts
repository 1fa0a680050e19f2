import { existsSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";

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
 * program is Node or a package manager, a file of the project's, or a package's binary in
 * `node_modules/.bin` (installed in the image from the lock file).
 *
 * @returns undefined when it can, else the program that the image lacks.
 * @example runsInNodeImage("redis-server --port {{port}}", "/app") // "redis-server"
 */
export function runsInNodeImage(command: string | string[], dir: string): string | undefined {
  const program = firstProgram(command);
  if (program === undefined || IN_NODE_IMAGE.has(program)) return undefined;
  if (program.includes("/")) return isAbsolute(program) ? program : undefined;
  for (let at = dir; ; at = dirname(at)) {
    if (existsSync(join(at, "node_modules", ".bin", program))) return undefined;
    if (dirname(at) === at) return program;
  }
}

/** The program a command runs first: argv[0], or a shell line's first word after `VAR=…`. */
function firstProgram(command: string | string[]): string | undefined {
  if (Array.isArray(command)) return command[0];
  const words = command.trim().split(/\s+/);
  return words.find((word) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(word));
}
