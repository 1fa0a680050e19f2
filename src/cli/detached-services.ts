/**
 * `berth run --detach api web`: the services asked for reach the background host through
 * its environment, which it inherits from the launching CLI (the launcher's command line
 * for the host is fixed in commands/detach.ts). The host takes them out before anything
 * starts, so no service sees the variable.
 */
const VARIABLE = "BERTH_DETACHED_SERVICES";

/** In the launching CLI: hands the services named on its command line to the host. */
export function passServices(services: string[]): void {
  if (services.length > 0) process.env[VARIABLE] = JSON.stringify(services);
  else delete process.env[VARIABLE];
}

/** In the detached host: the services its launcher was asked for (none: every service). */
export function passedServices(): string[] {
  const value = process.env[VARIABLE];
  delete process.env[VARIABLE];
  if (value === undefined) return [];
  const parsed: unknown = JSON.parse(value);
  return Array.isArray(parsed) ? parsed.filter((s): s is string => typeof s === "string") : [];
}
