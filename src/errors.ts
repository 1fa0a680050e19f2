/**
 * Errors a user can cause. Each has a stable `code` (for `--json` output and tests) and
 * maps to a stable process exit code (listed in the README). The message names the thing,
 * says what happened and says what to do next; the CLI prints it without a stack trace.
 */
export type ErrorCode =
  | "USAGE"
  | "CONFIG_NOT_FOUND"
  | "CONFIG_AMBIGUOUS"
  | "CONFIG_LOAD_FAILED"
  | "CONFIG_INVALID"
  | "PORT_TAKEN"
  | "ALREADY_RUNNING"
  | "SERVICE_FAILED"
  | "READY_TIMEOUT"
  | "IDENTITY_MISMATCH"
  | "EXITED_BEFORE_READY"
  | "SPAWN_FAILED"
  | "STATE_INVALID"
  | "RUNTIME_DIR_UNUSABLE"
  | "DISK_FULL"
  | "FILE_NOT_PERMITTED"
  | "READ_ONLY_FILE_SYSTEM"
  | "TOO_MANY_OPEN_FILES"
  | "NOT_RUNNING"
  | "DASHBOARD_OFF"
  | "AMBIGUOUS_HOST"
  | "HOST_UNRESPONSIVE"
  | "EXEC_SERVICES_FAILED"
  | "COMMAND_NOT_EXECUTABLE"
  | "COMMAND_NOT_FOUND"
  | "BINARY_VERSION_UNKNOWN"
  | "BINARY_DOWNLOAD_FAILED"
  | "BINARY_CHECKSUM_MISMATCH"
  | "BINARY_CHECKSUM_MISSING"
  | "BINARY_UNPACK_FAILED"
  | "BINARY_CANNOT_RUN"
  | "CLIENT_CONFIG_INVALID"
  | "PUBLISH_UNSUPPORTED"
  | "PUBLISH_FILES_EDITED";

/** Process exit codes; stable, documented in the README. */
export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  config: 3,
  serviceFailed: 4,
  portTaken: 5,
  alreadyRunning: 6,
  /** No app host runs for the project (or none matches --apphost / --pid). */
  notRunning: 7,
  /** The app host accepts connections but does not answer. */
  hostUnresponsive: 8,
  /** A binary service's binary could not be looked up, downloaded, unpacked or run. */
  binaryFailed: 9,
  /** `berth publish`: a file it would replace was edited, or is not its own. */
  publishFilesEdited: 10,
  /** `berth exec`: the services did not come up, so the command never ran. */
  execServicesFailed: 125,
  /** `berth exec`: the command exists but is not executable (as a shell says). */
  commandNotExecutable: 126,
  /** `berth exec`: no such command (as a shell says); nothing was started. */
  commandNotFound: 127,
  interrupted: 130,
} as const;

const exitCodeOf: Record<ErrorCode, number> = {
  USAGE: ExitCode.usage,
  CONFIG_NOT_FOUND: ExitCode.config,
  CONFIG_AMBIGUOUS: ExitCode.config,
  CONFIG_LOAD_FAILED: ExitCode.config,
  CONFIG_INVALID: ExitCode.config,
  STATE_INVALID: ExitCode.config,
  // Where the control socket goes is set by the environment, like the config's location.
  RUNTIME_DIR_UNUSABLE: ExitCode.config,
  // berth's own files (`.berth/`, the runtime dir, the cache) cannot be written: like an
  // unusable runtime dir, the machine's setup is to fix, not the services.
  DISK_FULL: ExitCode.config,
  FILE_NOT_PERMITTED: ExitCode.config,
  READ_ONLY_FILE_SYSTEM: ExitCode.config,
  TOO_MANY_OPEN_FILES: ExitCode.config,
  PORT_TAKEN: ExitCode.portTaken,
  ALREADY_RUNNING: ExitCode.alreadyRunning,
  SERVICE_FAILED: ExitCode.serviceFailed,
  READY_TIMEOUT: ExitCode.serviceFailed,
  IDENTITY_MISMATCH: ExitCode.serviceFailed,
  EXITED_BEFORE_READY: ExitCode.serviceFailed,
  SPAWN_FAILED: ExitCode.serviceFailed,
  NOT_RUNNING: ExitCode.notRunning,
  // The host runs, its dashboard does not: like a host that is not running, nothing to open.
  DASHBOARD_OFF: ExitCode.notRunning,
  // Several hosts in scope: the command line must say which one (--apphost / --pid).
  AMBIGUOUS_HOST: ExitCode.usage,
  HOST_UNRESPONSIVE: ExitCode.hostUnresponsive,
  EXEC_SERVICES_FAILED: ExitCode.execServicesFailed,
  COMMAND_NOT_EXECUTABLE: ExitCode.commandNotExecutable,
  COMMAND_NOT_FOUND: ExitCode.commandNotFound,
  BINARY_VERSION_UNKNOWN: ExitCode.binaryFailed,
  BINARY_DOWNLOAD_FAILED: ExitCode.binaryFailed,
  BINARY_CHECKSUM_MISMATCH: ExitCode.binaryFailed,
  // Fixed in the config: add the platform's digest, or opt out with `insecure: true`.
  BINARY_CHECKSUM_MISSING: ExitCode.config,
  BINARY_UNPACK_FAILED: ExitCode.binaryFailed,
  BINARY_CANNOT_RUN: ExitCode.binaryFailed,
  // An MCP client's config file (`.mcp.json`) that `berth mcp init` would edit is not JSON.
  CLIENT_CONFIG_INVALID: ExitCode.config,
  // A service that cannot run in a container as written: the config says how it should.
  PUBLISH_UNSUPPORTED: ExitCode.config,
  PUBLISH_FILES_EDITED: ExitCode.publishFilesEdited,
};

export interface BerthErrorOptions {
  cause?: unknown;
  /** Extra lines printed under the message (a config error's issue list, last log lines). */
  details?: string[];
}

export class BerthError extends Error {
  override readonly name = "BerthError";
  readonly code: ErrorCode;
  readonly details: string[];

  constructor(code: ErrorCode, message: string, options: BerthErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? [];
  }

  get exitCode(): number {
    return exitCodeOf[this.code];
  }
}

export function isBerthError(error: unknown, code?: ErrorCode): error is BerthError {
  return error instanceof BerthError && (code === undefined || error.code === code);
}
