import type { ControlClient } from "../control/client.js";
import { appHostHash } from "../model/instance.js";
import { listHosts } from "../monitor/list.js";
import { requireLive, selectHost, unresponsiveError } from "../monitor/select.js";
import type { TrackedHost } from "../monitor/tracked.js";
import { berthVersion } from "../version.js";

/** How a command names the app host it acts on. */
export interface HostFlags {
  cwd: string;
  apphost?: string;
  pid?: number;
}

const CLIENT = `berth-cli ${berthVersion}`;

/**
 * Every app host on the machine, each live (with its services) or unresponsive, asked in
 * parallel; a command that goes on to talk to one of them connects again.
 */
export function allHosts(): Promise<TrackedHost[]> {
  return listHosts({ client: CLIENT });
}

/**
 * The app hosts of one project (normally none or one), found by the hash in their socket
 * names: no other host is asked anything, and when none runs the protocol code is not
 * even loaded, which is most of what `berth exec` would spend finding that out.
 */
export function projectHosts(appHostPath: string): Promise<TrackedHost[]> {
  return listHosts({ client: CLIENT, hash: appHostHash(appHostPath) });
}

/**
 * The host a command means (see `selectHost`), connected. An unresponsive host is an
 * error that says so, never a hang.
 */
export async function connectSelected(
  flags: HostFlags,
): Promise<{ host: TrackedHost; client: ControlClient }> {
  const host = selectHost(await allHosts(), flags);
  requireLive(host);
  const { connectControl } = await import("../control/client.js");
  const client = await connectControl(host.socketPath, { client: CLIENT }).catch(
    (error: unknown) => {
      // It was live a moment ago; now it does not answer.
      throw unresponsiveError({
        ...host,
        error: error instanceof Error ? error.message : String(error),
      });
    },
  );
  return { host, client };
}
