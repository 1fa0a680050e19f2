import { basename } from "node:path";
import type { CommandSpec } from "../model/app.js";

const SHELLS = new Set(["sh", "bash", "dash", "zsh", "ash", "ksh"]);

/**
 * The failure reason for a shell command that exited with code 127, the shell's "command
 * not found"; `undefined` for any other exit. Such a service fails at once: restarting it
 * would only fail the same way. An argv command is not judged: there 127 is the program's
 * own code (a missing program fails to spawn instead).
 *
 * @example
 * commandNotFound({ file: "/bin/sh", args: ["-c", "vite"], display: "vite" }, { code: 127, signal: null });
 * // "command not found: `vite` exited with code 127 …"
 */
export function commandNotFound(
  command: CommandSpec,
  exit: { code: number | null; signal: NodeJS.Signals | null },
): string | undefined {
  if (exit.code !== 127 || !runsInShell(command)) return undefined;
  return (
    `command not found: \`${command.display}\` exited with code 127, the shell's "command ` +
    'not found": it, or a program it runs, is missing (its last lines name which); check ' +
    "that the program is installed and on PATH. Not restarted"
  );
}

function runsInShell(command: CommandSpec): boolean {
  return SHELLS.has(basename(command.file)) && command.args[0] === "-c";
}
