import { appHostHash } from "../control/address.js";
import { BerthError, isBerthError } from "../errors.js";
import { startControlServer } from "../control/server.js";
import type { AppModel } from "../model/app.js";
import { controlConnectionCap, openFilesLimit } from "../platform/open-files-limit.js";
import { processStartTime } from "../platform/process-info.js";
import type { Supervisor } from "../supervisor/supervisor.js";
import { berthVersion } from "../version.js";
import type { ControlTarget } from "../control/target.js";
import { controlTarget } from "./control-target.js";
import { hostSocketAddress } from "./socket-address.js";

/**
 * The host as its faces see it (the control socket and the dashboard serve this one
 * target): the supervisor's state and events, and the host's info.
 */
export function hostTarget(
  supervisor: Supervisor,
  app: AppModel,
  options: {
    detached?: { launcherPid: number };
    stop: () => void;
    hold: (holder: string, until: AbortSignal) => void;
    /** The dashboard's login link, while it serves. */
    dashboardUrl: () => string | null;
  },
): ControlTarget {
  const hash = appHostHash(app.appHostPath);
  const startedAt = new Date().toISOString();
  const startTime = processStartTime(process.pid) ?? "unknown";
  return controlTarget(supervisor, app, {
    info: () => ({
      appHostPath: app.appHostPath,
      projectDir: app.projectDir,
      hash,
      instanceName: app.instance.name,
      pid: process.pid,
      processStartTime: startTime,
      launcherPid: options.detached?.launcherPid ?? null,
      startedAt,
      version: berthVersion,
      dashboardUrl: options.dashboardUrl(),
      detached: options.detached !== undefined,
      leftOut: app.leftOut,
    }),
    stop: options.stop,
    hold: options.hold,
  });
}

/**
 * Opens the host's control socket (with its sidecar) so every client on the machine can
 * find and drive this host. Resolves once it listens.
 */
export async function openControlSocket(
  target: ControlTarget,
  app: AppModel,
  options: { verbose: (text: string) => void },
): Promise<{ close(): Promise<void> }> {
  const address = hostSocketAddress(app.appHostPath, process.pid);
  if (address.fellBack) {
    options.verbose(`control socket path too long under the runtime dir; using ${address.dir}`);
  }
  const info = target.info();
  const server = await startControlServer({
    target,
    address,
    secrets: [app.instance.secret],
    // Below `ulimit -n`: idle clients never take the descriptors a restart needs.
    limits: { maxConnections: controlConnectionCap(app.services.length, openFilesLimit()) },
    log: options.verbose,
    sidecar: {
      appHostPath: info.appHostPath,
      pid: info.pid,
      processStartTime: info.processStartTime,
      startedAt: info.startedAt,
      version: info.version,
    },
  }).catch((error: unknown) => {
    // A file-system refusal is the environment's doing; anything else is a bug to report.
    if (isBerthError(error) || typeof (error as NodeJS.ErrnoException)?.code !== "string") {
      throw error;
    }
    throw new BerthError(
      "RUNTIME_DIR_UNUSABLE",
      `Cannot open this app host's control socket in ${address.dir} (${(error as Error).message}). ` +
        `Point BERTH_RUNTIME_DIR at a folder of your own, or move what is in the way, and try again.`,
      { cause: error },
    );
  });
  options.verbose(`control socket: ${address.socketPath}`);
  return server;
}
