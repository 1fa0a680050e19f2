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
