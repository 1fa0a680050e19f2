import { rename } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { NormalizedConfig } from "../config/normalized.js";
import type { InstanceIdentity } from "../model/app.js";
import { ensureInstance } from "../model/instance.js";
import { holdDashboardPort } from "../model/dashboard-port.js";
import { allocatePorts, releaseAll, type PortAllocation, type PortHold } from "../model/ports.js";
import { asFileError } from "../file-errors.js";
import { ensureStateDir, readState, writeState } from "../model/state.js";
import { removeLeftoverTempFiles } from "../platform/atomic-write.js";
import { processStartTime } from "../platform/process-info.js";
import type { PortReservation } from "../supervisor/service.js";
import { cleanupLeftovers } from "./leftovers.js";
import { hostSocketAddress } from "./socket-address.js";
import { acquireHostLock, HOST_LOG, type HostLock, type ServiceProcessRecord } from "./lock.js";

export interface PreparedProject {
  stateDir: string;
  instance: InstanceIdentity;
  /** The executable of each binary service, by service name. */
  executables: Map<string, string>;
  ports: Map<string, number>;
  /** Held ports, released by each service just before it spawns. */
  reservations: Map<string, PortReservation>;
  /** The dashboard's port, held until it listens; absent when there is no dashboard. */
  dashboard?: PortHold;
  /** Records the running process groups, so the next run can clean up after a crash. */
  recordProcesses(groups: Map<string, number>): void;
  /** Releases whatever is still held: ports, then the project's lock. */
  release(): Promise<void>;
}

type Say = (level: "info" | "warn" | "error", text: string) => void;

/** The project's lock, held by this host for the run `runId`. */
export interface LockedProject {
  stateDir: string;
  lock: HostLock;
  runId: string;
}

/**
 * Takes the project's lock (creating `.berth/`); a detached host then makes its own output
 * file `host.log`, so a host that loses the race for the lock never writes into the
 * winner's log. `berth run` takes it before loading the config: from its first moments, a
 * starting host can be found (and stopped) by its lock.
 *
 * @throws BerthError `ALREADY_RUNNING` when a live host holds it.
 */
export async function lockProject(
  appHostPath: string,
  options: { runId: string; claimLog?: string },
): Promise<LockedProject> {
  // Before anything is made: a host that could not open its socket would leave it all.
  hostSocketAddress(appHostPath);
  const stateDir = join(dirname(appHostPath), ".berth");
  return takeLock(appHostPath, options).catch((error: unknown) =>
    Promise.reject(asFileError(error, stateDir)),
  );
}

async function takeLock(
  appHostPath: string,
  options: { runId: string; claimLog?: string },
): Promise<LockedProject> {
  const stateDir = await ensureStateDir(dirname(appHostPath));
  const lock = await acquireHostLock(stateDir, {
    pid: process.pid,
    startTime: processStartTime(process.pid) ?? "unknown",
    startedAt: new Date().toISOString(),
    appHostPath,
    runId: options.runId,
  });
  try {
    if (options.claimLog) await claimLog(options.claimLog, join(stateDir, HOST_LOG));
  } catch (error) {
    await lock.release();
    throw error;
  }
  return { stateDir, lock, runId: options.runId };
}

/**
 * Everything between a valid config and the first spawn: the project's `.berth/` folder,
 * the one-host-per-project lock (cleaning up after a crashed host), the instance identity
 * and the ports, saved to `state.json`. On failure nothing is left held.
 */
export async function prepareProject(
  config: NormalizedConfig,
  options: PrepareOptions,
): Promise<PreparedProject> {
  // A full disk, a folder without write permission, too many open files: the user's to fix,
  // and said so, not "berth hit a bug".
  const stateDir = join(config.projectDir, ".berth");
  return prepare(config, options).catch((error: unknown) =>
    Promise.reject(asFileError(error, stateDir)),
  );
}

interface PrepareOptions {
  runId: string;
  say: Say;
  /** Use the installed version of a `latest` binary without looking up a newer one. */
  preferInstalled?: boolean;
  /** A stop asked for while starting: ends a binary's download. */
  signal?: AbortSignal;
  /** The project's lock, taken already for `runId` (see `lockProject`); released on failure. */
  locked?: LockedProject;
  /** Hold a port for the dashboard (`berth run`), unless the config turns it off. */
  dashboard?: boolean;
}

async function prepare(
  config: NormalizedConfig,
  options: PrepareOptions,
): Promise<PreparedProject> {
  const { say, runId } = options;
  const { stateDir, lock } = options.locked ?? (await lockProject(config.file, { runId }));
  let allocations: Awaited<ReturnType<typeof allocatePorts>> | undefined;
  let dashboard: PortAllocation | undefined;
  try {
    if (lock.stale) await cleanupLeftovers(lock.stale, { log: (text) => say("warn", text) });
    // Only now: before the lock, another host's temp file may be one it is still writing.
    await removeLeftoverTempFiles(stateDir);
    const loaded = await readState(stateDir, { warn: (text) => say("warn", text) });
    const { state, instance } = ensureInstance(loaded, {
      configName: config.name,
      projectDir: config.projectDir,
      appHostPath: config.file,
    });
    // Before the ports are held: a download may take a while.
    const { executables, versions } = await ensureBinaries(config, state.binaries ?? {}, {
      say,
      preferInstalled: options.preferInstalled,
      signal: options.signal,
    });
    allocations = await allocatePorts(
      config.services.flatMap((s) => (s.port ? [{ service: s.name, request: s.port }] : [])),
      state.ports,
    );
    for (const [service, allocation] of allocations) {
      if (allocation.note) say("info", `${service}: ${allocation.note}`);
    }
    if (options.dashboard && config.dashboard !== false) {
      dashboard = await holdDashboardPort(config.dashboard?.port, state.dashboard?.port);
      if (dashboard.note) say("info", `dashboard: ${dashboard.note}`);
    }
    const ports = new Map([...allocations].map(([name, a]) => [name, a.port]));
    const used = Object.keys(versions).length > 0;
    await writeState(stateDir, {
      ...state,
      ports: { ...state.ports, ...Object.fromEntries(ports) },
      ...(used ? { binaries: { ...state.binaries, ...versions } } : {}),
      ...(dashboard ? { dashboard: { port: dashboard.port } } : {}),
    });
    if (used) {
      const { recordBinaryUse } = await import("../binaries/index.js");
      // Only `berth binaries prune` depends on it: a failure is worth a warning, no more.
      await recordBinaryUse(stateDir, versions).catch((error: unknown) =>
        say("warn", `could not record the binaries this project uses: ${String(error)}`),
      );
    }

    const held = allocations;
    const dashboardHold = dashboard?.hold;
    const stops = new Map(config.services.map((s) => [s.name, s.stop]));
    let records = Promise.resolve();
    let writing: Promise<void> | undefined;
    let dirty = false;
    let latest = new Map<string, number>();
    // Read once per group, not once per write.
    const startTimes = new Map<number, string>();
    const processRecords = (groups: Map<string, number>) => {
      const services: Record<string, ServiceProcessRecord> = {};
      const live = new Set(groups.values());
      for (const pgid of startTimes.keys()) if (!live.has(pgid)) startTimes.delete(pgid);
      for (const [name, pgid] of groups) {
        const stop = stops.get(name);
        let startTime = startTimes.get(pgid);
        if (startTime === undefined) {
          startTime = processStartTime(pgid) ?? "unknown";
          startTimes.set(pgid, startTime);
        }
        services[name] = {
          pid: pgid,
          pgid,
          startTime,
          ...(stop ? { stopSignal: stop.signal, stopTimeoutMs: stop.graceMs } : {}),
        };
      }
      return services;
    };
    return {
      stateDir,
      instance,
      executables,
      ports,
      reservations: new Map([...held].map(([name, a]) => [name, a.hold])),
      ...(dashboardHold ? { dashboard: dashboardHold } : {}),
      recordProcesses(groups) {
        latest = groups;
        dirty = true;
        // One write at a time, of the groups as they are when it starts: a host starting or
        // stopping thousands of services records them a few times, not once per process.
        writing ??= (async () => {
          while (dirty) {
            dirty = false;
            // A failed write only weakens crash clean-up, so it is not fatal.
            await lock.updateServices(processRecords(latest)).catch(() => {});
          }
          writing = undefined;
        })();
        records = writing;
      },
      async release() {
        await releaseAll(held.values());
        await dashboardHold?.release();
        await records;
        await lock.release();
      },
    };
  } catch (error) {
    if (allocations) await releaseAll(allocations.values());
    await dashboard?.hold.release();
    await lock.release();
    throw error;
  }
}

/** Makes a detached host's own log `host.log`; one removed meanwhile is not worth failing for. */
async function claimLog(own: string, hostLog: string): Promise<void> {
  await rename(own, hostLog).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "ENOENT") throw error;
  });
}

/** Installs (or finds in the cache) the binary of every binary service. */
async function ensureBinaries(
  config: NormalizedConfig,
  installed: Record<string, string>,
  options: { say: Say; preferInstalled?: boolean; signal?: AbortSignal },
): Promise<{ executables: Map<string, string>; versions: Record<string, string> }> {
  const executables = new Map<string, string>();
  const versions: Record<string, string> = {};
  const byName = new Map<string, string>();
  if (!config.services.some((service) => service.binary)) return { executables, versions };
  // Downloading, unpacking and checking binaries is a fifth of a host's code, and most
  // projects have no binary service: it loads only for those that do.
  const { ensureBinary } = await import("../binaries/index.js");
  for (const service of config.services) {
    if (!service.binary) continue;
    const { name } = service.binary;
    // Services sharing a binary describe it identically (the config checks it).
    let executable = byName.get(name);
    if (executable === undefined) {
      const ensured = await ensureBinary(service.binary, {
        installedVersion: installed[name],
        preferInstalled: options.preferInstalled,
        signal: options.signal,
        log: options.say,
        progress: process.stderr,
      });
      executable = ensured.executable;
      byName.set(name, executable);
      versions[name] = ensured.version;
    }
    executables.set(service.name, executable);
  }
  return { executables, versions };
}
