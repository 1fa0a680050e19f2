import type { ServiceModel } from "../../model/app.js";

/**
 * The services with `FORCE_COLOR=<value>` in the environment of each one whose own `env`
 * says nothing of colour (neither `FORCE_COLOR` nor `NO_COLOR`). A service writes into a
 * pipe, so tools that colour only a terminal (vite, vitest, Node itself) would go plain
 * although berth shows their lines on one. `value` undefined: the services unchanged.
 *
 * @example
 * app.services = withForceColor(app.services, reporter.childForceColor);
 */
export function withForceColor(
  services: ServiceModel[],
  value: string | undefined,
): ServiceModel[] {
  if (value === undefined) return services;
  return services.map((service) =>
    "FORCE_COLOR" in service.env || "NO_COLOR" in service.env
      ? service
      : { ...service, env: { ...service.env, FORCE_COLOR: value } },
  );
}
