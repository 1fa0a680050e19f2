import { cutList } from "./cut-list.js";
import { BerthError } from "../errors.js";
import type { NormalizedConfig } from "./normalized.js";
import { closest } from "./suggest.js";

/**
 * The config with only the services named and everything they depend on, directly or not
 * (every service when none is named). `berth run api` and `berth exec --only api` both
 * start what this keeps. An unknown name is a usage error with a "did you mean".
 *
 * @example
 * selectServices(config, ["api"], "berth run").services.map((s) => s.name) // ["db", "api"]
 * @param asked Who asked, for the error: `"--only"`, `"berth run"`.
 */
export function selectServices(
  config: NormalizedConfig,
  names: readonly string[] | undefined,
  asked: string,
): NormalizedConfig {
  if (!names || names.length === 0) return config;
  const byName = new Map(config.services.map((s) => [s.name, s]));
  const wanted = new Set<string>();
  const add = (name: string) => {
    if (wanted.has(name)) return;
    wanted.add(name);
    for (const dep of byName.get(name)!.dependsOn) add(dep.name);
  };
  for (const name of names) {
    if (!byName.has(name))
      throw unknownService(name, [...byName.keys()], `${asked}: `, config.file);
    add(name);
  }
  return {
    ...config,
    services: config.services.filter((s) => wanted.has(s.name)),
    leftOut: config.services.filter((s) => !wanted.has(s.name)).map((s) => s.name),
  };
}

/**
 * `USAGE`: no service of that name, with the closest name when one is close, and the list.
 *
 * @example unknownService("apu", ["api", "db"], "--only: ", "/app/berth.config.ts")
 */
export function unknownService(
  name: string,
  known: readonly string[],
  prefix: string,
  where: string,
): BerthError {
  const guess = closest(name, known);
  return new BerthError(
    "USAGE",
    `${prefix}no service named "${name}" in ${where}${guess ? `; did you mean "${guess}"?` : "."} ` +
      `Its services are: ${cutList(known)}.`,
  );
}
