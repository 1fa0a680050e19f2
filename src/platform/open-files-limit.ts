import { readFileSync } from "node:fs";

/**
 * This process's limit of open files (the soft limit, `ulimit -n`), or undefined where it
 * cannot be read (no /proc).
 *
 * @example
 * openFilesLimit(); // 1024
 */
export function openFilesLimit(): number | undefined {
  try {
    const limits = readFileSync("/proc/self/limits", "utf8");
    const soft = /^Max open files\s+(\d+|unlimited)/m.exec(limits)?.[1];
    return soft === undefined || soft === "unlimited" ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}

/** "the limit is 64 open files (`ulimit -n`)", or a general word without /proc. */
export function openFilesLimitText(): string {
  const limit = openFilesLimit();
  return limit === undefined
    ? "the limit of open files (`ulimit -n`) is reached"
    : `the limit is ${limit} open files (\`ulimit -n\`)`;
}

/** Descriptors a host keeps for itself (its event loop, stdio, lock, guardian, state files). */
const HOST_RESERVE = 64;
/** Per service: its two output pipes, its log file and a readiness probe's socket or pipes. */
const PER_SERVICE = 4;
/** Connections a host takes at most, however high the limit (see the control socket). */
const MOST_CONNECTIONS = 256;
/** Connections a host takes even under a tiny limit: `berth ps` must still get through. */
const FEWEST_CONNECTIONS = 8;

/**
 * How many control connections a host with `services` services may keep open at once: what
 * its limit of open files leaves after a reserve for itself and its services, so clients
 * that hold connections can never take the descriptors a service's spawn or restart needs.
 *
 * @example
 * controlConnectionCap(1, openFilesLimit()); // 256 under `ulimit -n 1024`
 * controlConnectionCap(1, 128); // 60
 */
export function controlConnectionCap(services: number, limit: number | undefined): number {
  if (limit === undefined) return MOST_CONNECTIONS;
  const spare = limit - HOST_RESERVE - PER_SERVICE * services;
  return Math.min(MOST_CONNECTIONS, Math.max(FEWEST_CONNECTIONS, spare));
}
