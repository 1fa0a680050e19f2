import { checkDuration } from "../config/duration.js";
import { BerthError } from "../errors.js";

/** A duration given on the command line (`30s`, `500ms`, `2000`); a bad one is a usage error. */
export function durationFlag(value: string, flag: string): number {
  const result = checkDuration(/^\d+$/.test(value) ? Number(value) : value);
  if ("ms" in result) return result.ms;
  throw new BerthError("USAGE", `${flag}: ${result.problem}`);
}

/** A whole number given on the command line; a bad one is a usage error. */
export function countFlag(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    throw new BerthError("USAGE", `${flag}: expected a whole number of 0 or more, got "${value}"`);
  }
  return n;
}

/** A process ID given on the command line. */
export function pidFlag(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) {
    throw new BerthError("USAGE", `--pid: expected a process ID, got "${value}"`);
  }
  return n;
}

/**
 * The project a command means: `--config` or its synonym `--apphost` (a config file or its
 * folder). Both, naming different things, is a usage error.
 */
export function projectFlag(options: { config?: string; apphost?: string }): string | undefined {
  const { config, apphost } = options;
  if (config !== undefined && apphost !== undefined && config !== apphost) {
    throw new BerthError(
      "USAGE",
      `--config ${config} and --apphost ${apphost} name the project twice; give only one (they mean the same).`,
    );
  }
  return config ?? apphost;
}
