import { BerthError, isBerthError, type ErrorCode } from "./errors.js";
import { openFilesLimitText } from "./platform/open-files-limit.js";

/**
 * The file system errors a user's machine causes, not a bug in berth: a full disk or quota,
 * no permission, a read-only file system, too many open files. Met on berth's own files
 * (`.berth/`, the runtime dir, the cache), they become a {@link BerthError} that names the
 * path and says what to do, instead of an "internal error" with a stack.
 */
const CODES: Record<string, ErrorCode> = {
  ENOSPC: "DISK_FULL",
  EDQUOT: "DISK_FULL",
  EACCES: "FILE_NOT_PERMITTED",
  EPERM: "FILE_NOT_PERMITTED",
  EROFS: "READ_ONLY_FILE_SYSTEM",
  EMFILE: "TOO_MANY_OPEN_FILES",
  ENFILE: "TOO_MANY_OPEN_FILES",
};

/**
 * The user error for a file system error on berth's own files, or undefined when `error`
 * is not one (it is returned unchanged by {@link asFileError}).
 *
 * @example
 * fileError(enospc, stateDir); // BerthError DISK_FULL: "Could not write /p/.berth/host.json: the disk is full…"
 */
export function fileError(error: unknown, where?: string): BerthError | undefined {
  if (isBerthError(error) || !(error instanceof Error)) return undefined;
  const { code, path, dest, syscall } = error as NodeJS.ErrnoException & { dest?: string };
  const berthCode = code === undefined ? undefined : CODES[code];
  if (berthCode === undefined) return undefined;
  // A link or rename names the new path as `dest`: that is the file berth was making.
  // A write on an open file says no path: `where` is the file or folder it was.
  const file = dest ?? path ?? where;
  // Without a path it was no file (an EPERM from signalling a process, say), unless it is
  // the process's descriptors that ran out.
  if (file === undefined && berthCode !== "TOO_MANY_OPEN_FILES") return undefined;
  const what = file
    ? `${verbOf(syscall)} ${file}`
    : syscall?.startsWith("spawn")
      ? "start a process"
      : `${verbOf(syscall)} a file`;
  return new BerthError(berthCode, `Could not ${what}: ${advice(code!, file)}`, { cause: error });
}

/** {@link fileError}, or `error` itself when it is not a file system error of the user's. */
export function asFileError(error: unknown, where?: string): unknown {
  return fileError(error, where) ?? error;
}

/**
 * What went wrong, in a few words ("the disk is full"), for a file system error of the
 * user's (see {@link fileError}); undefined for any other error.
 */
export function fileProblem(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === undefined || CODES[code] === undefined) return undefined;
  return advice(code, undefined).split(".")[0];
}

function verbOf(syscall: string | undefined): string {
  switch (syscall) {
    case "open":
    case "read":
    case "scandir":
    case "stat":
    case "lstat":
      return "open";
    case "mkdir":
      return "create the folder";
    default:
      return "write";
  }
}

function advice(code: string, file: string | undefined): string {
  switch (code) {
    case "ENOSPC":
      return "the disk is full. Free some space on it, then run berth again.";
    case "EDQUOT":
      return "your disk quota is used up. Free some space, then run berth again.";
    case "EACCES":
    case "EPERM":
      return (
        "permission denied. berth needs to write there as you: check the owner and mode of " +
        `the folder${file ? ` (ls -ld ${folderOf(file)})` : ""}.`
      );
    case "EROFS":
      return "the file system is read-only. Run berth from a writable project folder.";
    default:
      return `too many open files: ${openFilesLimitText()}. Raise it (ulimit -n 4096) or close other programs, then run berth again.`;
  }
}

function folderOf(file: string): string {
  const slash = file.lastIndexOf("/");
  return slash > 0 ? file.slice(0, slash) : file;
}
