import type { NormalizedConfig } from "../config/normalized.js";
import { closest } from "../config/suggest.js";
import { BerthError } from "../errors.js";
import { envName } from "../model/plan.js";

/** `BERTH_<NAME>_URL` and `BERTH_<NAME>_PORT` for every service that has a port. */
export function serviceEnv(
  services: { name: string; port: number | null; url: string | null }[],
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const service of services) {
    if (service.port === null || service.url === null) continue;
    env[`BERTH_${envName(service.name)}_PORT`] = String(service.port);
    env[`BERTH_${envName(service.name)}_URL`] = service.url;
  }
  return env;
}

/**
 * The services `--only` names plus everything they depend on, directly or not; every
 * service when `only` is not given. An unknown name is a usage error with a suggestion.
 */
export function withDependencies(config: NormalizedConfig, only?: string[]): Set<string> {
  const byName = new Map(config.services.map((s) => [s.name, s]));
  if (!only || only.length === 0) return new Set(byName.keys());
  const wanted = new Set<string>();
  const add = (name: string) => {
    if (wanted.has(name)) return;
    wanted.add(name);
    for (const dep of byName.get(name)!.dependsOn) add(dep.name);
  };
  for (const name of only) {
    if (!byName.has(name)) {
      const guess = closest(name, byName.keys());
      throw new BerthError(
        "USAGE",
        `--only: no service named "${name}" in ${config.file}${guess ? `; did you mean "${guess}"?` : ""} ` +
          `Its services are: ${[...byName.keys()].join(", ")}.`,
      );
    }
    add(name);
  }
  return wanted;
}
