import type { SupervisorEvent } from "../supervisor/events.js";

/**
 * True for the "last lines of <service>:" message that follows a service's failure. Where
 * the services' output is shown as it comes (`berth run`, `berth exec --logs`), those
 * lines are already on screen just above: printed again, a crash's stack appears twice.
 * Where it is not shown (`berth exec`), the message is what tells the user why.
 */
export function repeatsShownOutput(event: SupervisorEvent): boolean {
  return (
    event.type === "message" && event.service !== undefined && (event.details?.length ?? 0) > 0
  );
}
