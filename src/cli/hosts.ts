import { connectControl, type ControlClient } from "../control/client.js";
import { BerthError } from "../errors.js";
import { listHosts } from "../monitor/list.js";
import { selectHost } from "../monitor/select.js";
import type { TrackedHost } from "../monitor/tracked.js";
import { berthVersion } from "../version.js";

/** How a command names the app host it acts on. */
export interface HostFlags {
  cwd: string;
  apphost?: string;
  pid?: number;
}

const CLIENT = `berth-cli ${berthVersion}`;

/** Every app host on the machine, each live (with its services) or unresponsive. */
export function allHosts(): Promise<TrackedHost[]> {
  return listHosts({
    connect: (socketPath, options) =>
      connectControl(socketPath, { ...options, client: CLIENT, prefetch: true }),
  });
}

/**
 * The host a command means (see `selectHost`), connected. An unresponsive host is an
 * error that says so, never a hang.
 */
export async function connectSelected(
  flags: HostFlags,
): Promise<{ host: TrackedHost; client: ControlClient }> {
  const host = selectHost(await allHosts(), flags);
  if (host.status !== "live") throw unresponsive(host);
  const client = await connectControl(host.socketPath, { client: CLIENT }).catch(() => {
    throw unresponsive(host);
  });
  return { host, client };
}

export function unresponsive(host: TrackedHost): BerthError {
  return new BerthError(
    "HOST_UNRESPONSIVE",
    `The app host for ${host.info?.appHostPath ?? host.sidecar?.appHostPath ?? host.socketPath} ` +
      `(pid ${host.pid}) does not answer${host.error ? ` (${host.error})` : ""}. ` +
      `Stop it with \`berth stop --pid ${host.pid}\` (it is signalled if it does not answer).`,
  );
}
