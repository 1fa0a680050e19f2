import { spawn, type ChildProcess } from "node:child_process";
import { BerthError } from "../errors.js";
import { openFilesLimitText } from "../platform/open-files-limit.js";
import type { CommandSpec } from "../model/app.js";

export interface SpawnedProcess {
  child: ChildProcess;
  pid: number;
  /** Resolves once with how the main process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts a service as the leader of a new process group (detached), with stdout and stderr
 * piped to berth and stdin closed, so the group can be signalled as a whole and the
 * terminal's Ctrl-C reaches berth only (berth then stops services in order).
 */
export async function spawnInGroup(
  command: CommandSpec,
  options: { cwd: string; env: NodeJS.ProcessEnv; service: string },
): Promise<SpawnedProcess> {
  const child = spawn(command.file, command.args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  const pid = await new Promise<number>((resolve, reject) => {
    child.once("spawn", () => resolve(child.pid as number));
    child.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        new BerthError(
          "SPAWN_FAILED",
          `services.${options.service}: could not start \`${command.display}\` (${error.code ?? error.message}). ` +
            hintFor(error, options.cwd),
          { cause: error },
        ),
      );
    });
  });
  return { child, pid, exited };
}

/** Spawn failures that may pass by themselves: out of descriptors or processes for now. */
const TRANSIENT = new Set(["EMFILE", "ENFILE", "EAGAIN"]);

/**
 * The errno code of a `spawnInGroup` failure worth retrying (EMFILE, ENFILE, EAGAIN: the
 * descriptors or processes may be given back), else undefined.
 *
 * @example
 * transientSpawnCode(error); // "EMFILE"
 */
export function transientSpawnCode(error: unknown): string | undefined {
  const code = (error instanceof Error ? (error.cause as NodeJS.ErrnoException) : undefined)?.code;
  return code !== undefined && TRANSIENT.has(code) ? code : undefined;
}

/** "EMFILE: the limit is 64 open files (`ulimit -n`)", for a service's reason. */
export function transientSpawnText(code: string): string {
  if (code === "EAGAIN") return "EAGAIN: too many processes (`ulimit -u`)";
  return `${code}: ${code === "ENFILE" ? "the system's table of open files is full" : openFilesLimitText()}`;
}

function hintFor(error: NodeJS.ErrnoException, cwd: string): string {
  if (error.code === "ENOENT") {
    return `Check that the program exists and is on PATH, and that the folder ${cwd} exists.`;
  }
  if (error.code === "EACCES") return "The program is not executable: check its permissions.";
  if (error.code === "EMFILE" || error.code === "ENFILE") {
    // Not the command's fault: berth itself ran out of descriptors for the service's pipes.
    return `berth has too many files open: ${openFilesLimitText()}. Raise it (ulimit -n 4096) and start berth again.`;
  }
  if (error.code === "EAGAIN") {
    return "The system refused to start another process (too many processes: `ulimit -u`). Stop some, or raise the limit.";
  }
  return "Check the service's command and cwd.";
}
