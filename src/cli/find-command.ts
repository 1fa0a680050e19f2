import { accessSync, constants, statSync } from "node:fs";
import { delimiter, resolve } from "node:path";
import { BerthError } from "../errors.js";

/**
 * Checks that `berth exec` can run `name` the way a shell would find it: a name with a
 * slash is a path (from `cwd`), any other is looked up on `PATH` (an empty entry meaning
 * the current folder). Called before anything starts, so a typo costs no service start-up.
 *
 * @example findCommand("vitest", { cwd, path: process.env.PATH }) // "/app/node_modules/.bin/vitest"
 * @throws BerthError `COMMAND_NOT_FOUND` (exit 127) or `COMMAND_NOT_EXECUTABLE` (exit 126).
 */
export function findCommand(name: string, options: { cwd: string; path?: string }): string {
  if (name.includes("/")) {
    const file = resolve(options.cwd, name);
    const kind = kindOf(file);
    if (kind === "executable") return file;
    if (kind === undefined) {
      throw new BerthError("COMMAND_NOT_FOUND", `${name}: no such file; nothing was started.`);
    }
    throw notExecutable(name, file, kind);
  }
  let blocked: { file: string; kind: "file" | "folder" } | undefined;
  for (const dir of (options.path ?? "").split(delimiter)) {
    const file = resolve(options.cwd, dir === "" ? "." : dir, name);
    const kind = kindOf(file);
    if (kind === "executable") return file;
    if (kind === "file") blocked ??= { file, kind };
  }
  if (blocked) throw notExecutable(name, blocked.file, blocked.kind);
  throw new BerthError(
    "COMMAND_NOT_FOUND",
    `${name}: command not found on PATH; nothing was started. Check its spelling, or install it ` +
      `(a package's command runs as \`berth exec -- npx ${name}\`).`,
  );
}

function notExecutable(name: string, file: string, kind: "file" | "folder"): BerthError {
  const why =
    kind === "folder"
      ? `${file} is a folder`
      : `${file} is not executable (make it so with \`chmod +x ${name}\`, or put its interpreter first: \`berth exec -- node ${name}\`, \`-- sh ${name}\`)`;
  return new BerthError("COMMAND_NOT_EXECUTABLE", `${name}: ${why}; nothing was started.`);
}

function kindOf(file: string): "executable" | "file" | "folder" | undefined {
  let stats;
  try {
    stats = statSync(file, { throwIfNoEntry: false });
  } catch {
    // A PATH entry that cannot be searched (EACCES) or is not a folder (ENOTDIR): the
    // shell skips it, and so do we.
    return undefined;
  }
  if (!stats) return undefined;
  if (stats.isDirectory()) return "folder";
  try {
    accessSync(file, constants.X_OK);
    return "executable";
  } catch {
    return "file";
  }
}
