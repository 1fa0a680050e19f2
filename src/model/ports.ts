import { createServer, type Server } from "node:net";
import type { PortRequest } from "../config/normalized.js";
import { BerthError } from "../errors.js";
import { describePortHolder } from "../platform/port-holder.js";

/**
 * Choosing each service's port and keeping it until the service starts.
 *
 * A port counts as free when it can be bound on 127.0.0.1 and on `::` — the addresses a
 * service's `listen(port)` and its clients use. Checking and holding are one step: the hold
 * *is* the check's listening sockets, kept open, so nothing can take the port between the
 * plan and the spawn.
 */

/** A port berth keeps listening on until the service that gets it is about to start. */
export interface PortHold {
  readonly port: number;
  /** Closes the listening sockets; call right before the service starts. Idempotent. */
  release(): Promise<void>;
}

/** Why a port could not be held. */
export type PortProblem = "in use" | "permission denied";

/**
 * Holds `port` on 127.0.0.1 and `::` (the latter only where IPv6 exists); `0` lets the OS
 * choose. Resolves to the problem instead when the port cannot be bound.
 *
 * @example
 * const hold = await tryHoldPort(3000);
 * if (typeof hold !== "string") { ...; await hold.release(); }
 */
export async function tryHoldPort(port: number): Promise<PortHold | PortProblem> {
  // An OS-chosen port is free on 127.0.0.1 only: retry if `::` has it.
  for (let attempt = 0; ; attempt++) {
    const v4 = await listen(port, "127.0.0.1");
    if (typeof v4 === "string") return v4;
    const chosen = (v4.address() as { port: number }).port;
    // IPv6-only binding, so it does not collide with our own 127.0.0.1 socket; on Linux it
    // still collides with anything on `::`, `::1` or dual-stack, which is what we check.
    const v6 = await listen(chosen, "::", true);
    if (v6 === "no IPv6") return hold(chosen, [v4]);
    if (typeof v6 !== "string") return hold(chosen, [v4, v6]);
    await close(v4);
    if (port !== 0 || attempt >= 20) return v6;
  }
}

/** Holds `port`, or resolves to `undefined` when it is taken (or not bindable). */
export async function holdPort(port: number): Promise<PortHold | undefined> {
  const result = await tryHoldPort(port);
  return typeof result === "string" ? undefined : result;
}

/** True when `port` can be bound on 127.0.0.1 and `::` right now. */
export async function isPortFree(port: number): Promise<boolean> {
  const hold = await holdPort(port);
  await hold?.release();
  return hold !== undefined;
}

/** One service's claim on a port. */
export interface PortClaim {
  service: string;
  request: PortRequest;
}

/** The port a service gets, held until it starts. */
export interface PortAllocation {
  port: number;
  hold: PortHold;
  /** Set when the service did not get the port it asked for (or had last time), for the user. */
  note?: string;
}

/** Key in the config that makes a port strict; named in the "port taken" message. */
const STRICT_KEY = "strictPort";

/**
 * Gives every claim a distinct port, held until released: `strict` → exactly the requested
 * port, else `PORT_TAKEN`; `preferred` → the requested port if free, else the one saved for
 * the service, else the next free one above the request; `auto` → the saved one if free,
 * else one the OS chooses. On error no port is left held.
 *
 * @example
 * const ports = await allocatePorts([{ service: "api", request: { mode: "preferred", port: 3000 } }], state.ports);
 * ports.get("api"); // { port: 3001, hold, note: "port 3000 is in use by PID 77 (nginx); using 3001" }
 */
export async function allocatePorts(
  claims: PortClaim[],
  saved: Record<string, number>,
): Promise<Map<string, PortAllocation>> {
  const given = new Map<string, PortAllocation>();
  const problems = new Map<string, PortProblem>();
  try {
    // Explicit requests first, so a fallback or an OS choice never takes a port that
    // another service asked for by number.
    for (const claim of claims) {
      if (claim.request.mode === "auto") continue;
      const problem = await claimRequested(claim, claim.request, given);
      if (problem) problems.set(claim.service, problem);
    }
    for (const claim of claims) {
      if (given.has(claim.service)) continue;
      await claimFallback(claim, saved[claim.service], given, problems.get(claim.service));
    }
    return given;
  } catch (error) {
    await releaseAll(given.values());
    throw error;
  }
}

/** Releases every hold (for a plan that is abandoned). */
export async function releaseAll(allocations: Iterable<PortAllocation>): Promise<void> {
  await Promise.all([...allocations].map((a) => a.hold.release()));
}

type Given = Map<string, PortAllocation>;

async function claimRequested(
  claim: PortClaim,
  request: { mode: "preferred" | "strict"; port: number },
  given: Given,
): Promise<PortProblem | undefined> {
  const owner = ownerOf(request.port, given);
  const result = owner === undefined ? await tryHoldPort(request.port) : "in use";
  if (typeof result !== "string") {
    given.set(claim.service, { port: request.port, hold: result });
    return undefined;
  }
  if (request.mode === "strict") throw await portTaken(claim.service, request.port, result, owner);
  return result;
}

async function claimFallback(
  claim: PortClaim,
  savedPort: number | undefined,
  given: Given,
  problem: PortProblem | undefined,
): Promise<void> {
  const { service, request } = claim;
  const saved =
    isPort(savedPort) && ownerOf(savedPort, given) === undefined ? savedPort : undefined;
  if (request.mode === "preferred") {
    const why =
      problem === "permission denied"
        ? `port ${request.port} cannot be bound (permission denied)`
        : await whyNot(request.port, given);
    const savedHold = saved !== undefined && saved !== request.port && (await holdPort(saved));
    const hold = savedHold || (await nextFreeAbove(service, request.port, given));
    const from = savedHold ? " (saved from the last run)" : "";
    given.set(service, { port: hold.port, hold, note: `${why}; using ${hold.port}${from}` });
    return;
  }
  const savedHold = saved !== undefined && (await holdPort(saved));
  if (savedHold) return void given.set(service, { port: saved, hold: savedHold });
  const hold = await holdOsChosen();
  // The URL changes from the last run's: say why.
  const note = isPort(savedPort)
    ? `${await whyNot(savedPort, given, "saved from the last run")}; using ${hold.port}`
    : undefined;
  given.set(service, note ? { port: hold.port, hold, note } : { port: hold.port, hold });
}

async function nextFreeAbove(service: string, port: number, given: Given): Promise<PortHold> {
  for (let candidate = port + 1; candidate <= 65535; candidate++) {
    if (ownerOf(candidate, given) !== undefined) continue;
    const hold = await holdPort(candidate);
    if (hold) return hold;
  }
  throw new BerthError(
    "PORT_TAKEN",
    `services.${service}.port: port ${port} is taken and no port above it is free. ` +
      `Stop some of the processes holding them, or choose a lower port.`,
  );
}

async function holdOsChosen(): Promise<PortHold> {
  const result = await tryHoldPort(0);
  if (typeof result !== "string") return result;
  throw new BerthError("PORT_TAKEN", `The OS could not give berth a free port (${result}).`);
}

async function portTaken(
  service: string,
  port: number,
  problem: PortProblem,
  owner: string | undefined,
): Promise<BerthError> {
  const where = `services.${service}.port`;
  if (owner !== undefined) {
    return new BerthError(
      "PORT_TAKEN",
      `${where}: port ${port} is also the port of services.${owner}. Give each service its own port.`,
    );
  }
  if (problem === "permission denied") {
    return new BerthError(
      "PORT_TAKEN",
      `${where}: port ${port} cannot be bound (permission denied; ports below 1024 usually need root). ` +
        `Choose a port above 1023.`,
    );
  }
  const holder = (await describePortHolder(port)) ?? "another process";
  return new BerthError(
    "PORT_TAKEN",
    `${where}: port ${port} is already in use by ${holder}. ` +
      `Stop that process, or remove \`${STRICT_KEY}\` from services.${service} to let berth pick another port.`,
  );
}

/** "port 3000 is in use by PID 12 (node a.js)", for a fallback note. */
async function whyNot(port: number, given: Given, aside?: string): Promise<string> {
  const what = aside ? `port ${port} (${aside})` : `port ${port}`;
  const owner = ownerOf(port, given);
  if (owner !== undefined) return `${what} went to services.${owner}`;
  const holder = await describePortHolder(port);
  return holder ? `${what} is in use by ${holder}` : `${what} is in use`;
}

function ownerOf(port: number, given: Given): string | undefined {
  for (const [service, allocation] of given) if (allocation.port === port) return service;
  return undefined;
}

function isPort(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) > 0 && (value as number) <= 65535;
}

function hold(port: number, servers: Server[]): PortHold {
  let released: Promise<void> | undefined;
  return {
    port,
    release: () => (released ??= Promise.all(servers.map(close)).then(() => undefined)),
  };
}

function listen(port: number, host: "127.0.0.1"): Promise<Server | PortProblem>;
function listen(
  port: number,
  host: "::",
  ipv6Only: true,
): Promise<Server | PortProblem | "no IPv6">;
function listen(port: number, host: string, ipv6Only = false): Promise<Server | string> {
  return new Promise((resolve, reject) => {
    // A client that connects to a held port is hung up on rather than left waiting.
    const server = createServer((socket) => socket.destroy());
    server.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE") resolve("in use");
      else if (error.code === "EACCES") resolve("permission denied");
      else if (ipv6Only && (error.code === "EAFNOSUPPORT" || error.code === "EADDRNOTAVAIL")) {
        // A machine without IPv6: `::` cannot be taken by anyone, so it is not "in use".
        resolve("no IPv6");
      } else reject(error);
    });
    // Unref'd: a hold never keeps berth alive on its own.
    server.listen({ port, host, ipv6Only, exclusive: true }, () => resolve(server.unref()));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
