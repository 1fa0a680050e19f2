import { BerthError } from "../errors.js";
import { describePortHolder } from "../platform/port-holder.js";
import { holdPort, tryHoldPort, type PortAllocation } from "./ports.js";

/**
 * The dashboard's port, held until the dashboard listens: the one the config asks for if
 * free, else the one it had last time (so a bookmarked URL keeps working), else one the OS
 * chooses. Taken after the services' ports, so it never takes one a service asked for.
 *
 * @example
 * const { port, hold, note } = await holdDashboardPort(4000, state.dashboard?.port);
 */
export async function holdDashboardPort(
  wanted: number | undefined,
  saved: number | undefined,
): Promise<PortAllocation> {
  const reasons: string[] = [];
  for (const [port, aside] of [
    [wanted, ""],
    [saved, " (saved from the last run)"],
  ] as const) {
    if (port === undefined || (port === saved && port === wanted && aside !== "")) continue;
    const hold = await holdPort(port);
    if (hold) {
      // The port it had last time is no news; one that replaces the config's is.
      return reasons.length
        ? { port, hold, note: `${reasons.join("; ")}; using ${port}` }
        : { port, hold };
    }
    reasons.push(await whyNot(port, aside));
  }
  const result = await tryHoldPort(0);
  if (typeof result === "string") {
    throw new BerthError(
      "PORT_TAKEN",
      `The OS could not give the dashboard a free port (${result}).`,
    );
  }
  const note = reasons.length ? `${reasons.join("; ")}; using ${result.port}` : undefined;
  return note ? { port: result.port, hold: result, note } : { port: result.port, hold: result };
}

async function whyNot(port: number, aside: string): Promise<string> {
  const holder = await describePortHolder(port);
  return `port ${port}${aside} is in use${holder ? ` by ${holder}` : ""}`;
}
