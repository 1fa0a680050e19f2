/** config/: find the project's config file, load it and validate it. */
import { findConfig } from "./find.js";
import { loadConfig } from "./load.js";
import type { NormalizedConfig } from "./normalized.js";
import { validateConfig } from "./validate.js";

export interface ResolveConfigOptions {
  /** Where to start looking (walking up). */
  cwd: string;
  /** `--config`: a file or a folder, relative to `cwd`. */
  configPath?: string;
}

/**
 * Finds, loads and validates the project's config.
 *
 * @example const config = await resolveConfig({ cwd: process.cwd() });
 * @throws BerthError `CONFIG_NOT_FOUND`, `CONFIG_LOAD_FAILED` or `CONFIG_INVALID`.
 */
export async function resolveConfig(options: ResolveConfigOptions): Promise<NormalizedConfig> {
  const file = findConfig(options.cwd, options.configPath);
  return validateConfig(await loadConfig(file), file);
}

export { CONFIG_FILE_NAMES, findConfig } from "./find.js";
export { loadConfig } from "./load.js";
export { validateConfig } from "./validate.js";
export { parseDuration } from "./duration.js";
export type * from "./normalized.js";
