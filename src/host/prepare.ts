import { join } from "node:path";
import type { NormalizedConfig } from "../config/normalized.js";
import type { InstanceIdentity } from "../model/app.js";
import { ensureInstance } from "../model/instance.js";
import { allocatePorts, releaseAll } from "../model/ports.js";
import { asFileError } from "../file-errors.js";
import { ensureStateDir, readState, writeState } from "../model/state.js";
import { removeLeftoverTempFiles } from "../platform/atomic-write.js";
import { processStartTime } from "../platform/process-info.js";
import type { PortReservation } from "../supervisor/service.js";
import { cleanupLeftovers } from "./leftovers.js";
import { acquireHostLock, type ServiceProcessRecord } from "./lock.js";

export interface PreparedProject {
  stateDir: string;
  instance: InstanceIdentity;
  /** The executable of each binary service, by service name. */
  executables: Map<string, string>;
  ports: Map<string, number>;
  /** Held ports, released by each service just before it spawns. */
  reservations: Map<string, PortReservation>;
  /** Records the running process groups, so the next run can clean up after a crash. */
  recordProcesses(groups: Map<string, number>): void;
  /** Releases whatever is still held: ports, then the project's lock. */
  release(): Promise<void>;
}

type Say = (level: "info" | "warn" | "error", text: string) => void;

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
}

async function prepare(
  config: NormalizedConfig,
  options: PrepareOptions,
): Promise<PreparedProject> {
  const { say, runId } = options;
  const stateDir = await ensureStateDir(config.projectDir);
  const lock = await acquireHostLock(stateDir, {
    pid: process.pid,
    startTime: processStartTime(process.pid) ?? "unknown",
    startedAt: new Date().toISOString(),
    appHostPath: config.file,
    runId,
  });
  let allocations: Awaited<ReturnType<typeof allocatePorts>> | undefined;
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
    });
    allocations = await allocatePorts(
      config.services.flatMap((s) => (s.port ? [{ service: s.name, request: s.port }] : [])),
      state.ports,
    );
    for (const [service, allocation] of allocations) {
      if (allocation.note) say("info", `${service}: ${allocation.note}`);
    }
    const ports = new Map([...allocations].map(([name, a]) => [name, a.port]));
    const used = Object.keys(versions).length > 0;
    await writeState(stateDir, {
      ...state,
      ports: { ...state.ports, ...Object.fromEntries(ports) },
      ...(used ? { binaries: { ...state.binaries, ...versions } } : {}),
    });
    if (used) {
      const { recordBinaryUse } = await import("../binaries/index.js");
      // Only `berth binaries prune` depends on it: a failure is worth a warning, no more.
      await recordBinaryUse(stateDir, versions).catch((error: unknown) =>
        say("warn", `could not record the binaries this project uses: ${String(error)}`),
      );
    }

    const held = allocations;
    const stops = new Map(config.services.map((s) => [s.name, s.stop]));
    let records = Promise.resolve();
    return {
      stateDir,
      instance,
      executables,
      ports,
      reservations: new Map([...held].map(([name, a]) => [name, a.hold])),
      recordProcesses(groups) {
        const services: Record<string, ServiceProcessRecord> = {};
        for (const [name, pgid] of groups) {
          const stop = stops.get(name);
          services[name] = {
            pid: pgid,
            pgid,
            startTime: processStartTime(pgid) ?? "unknown",
            ...(stop ? { stopSignal: stop.signal, stopTimeoutMs: stop.graceMs } : {}),
          };
        }
        // Written in order; a failed write only weakens crash clean-up, so it is not fatal.
        records = records.then(() => lock.updateServices(services)).catch(() => {});
      },
      async release() {
        await releaseAll(held.values());
        await records;
        await lock.release();
      },
    };
  } catch (error) {
    if (allocations) await releaseAll(allocations.values());
    await lock.release();
    throw error;
  }
}

/** Installs (or finds in the cache) the binary of every binary service. */
async function ensureBinaries(
  config: NormalizedConfig,
  installed: Record<string, string>,
  options: { say: Say; preferInstalled?: boolean },
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
