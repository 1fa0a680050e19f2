import { statSync } from "node:fs";
import { dirname } from "node:path";
import { resolveConfig, type NormalizedConfig } from "../config/index.js";

/**
 * Projects' configs as the tools need them (dependencies, ready checks), loaded once per
 * version of the file: loading runs the user's code, which is not something to do per call.
 */
const cache = new Map<string, { mtimeMs: number; config: Promise<NormalizedConfig> }>();

/**
 * The validated config of the project at `appHostPath` (a config file's real path).
 *
 * @throws BerthError `CONFIG_LOAD_FAILED` or `CONFIG_INVALID` as `berth run` would.
 */
export function projectConfig(appHostPath: string): Promise<NormalizedConfig> {
  const mtimeMs = statSync(appHostPath, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const cached = cache.get(appHostPath);
  if (cached && cached.mtimeMs === mtimeMs) return cached.config;
  const config = resolveConfig({ cwd: dirname(appHostPath), configPath: appHostPath });
  // A failed load is tried again next time (the user may be fixing the file).
  config.catch(() => cache.delete(appHostPath));
  cache.set(appHostPath, { mtimeMs, config });
  return config;
}

/** Each service's dependencies by name; empty when the config cannot be loaded now. */
export async function dependenciesOf(appHostPath: string): Promise<Map<string, string[]>> {
  try {
    const config = await projectConfig(appHostPath);
    return new Map(config.services.map((s) => [s.name, s.dependsOn.map((d) => d.name)]));
  } catch {
    return new Map();
  }
}
