import { execFile } from "node:child_process";
import { readdirSync, readlinkSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { promisify } from "node:util";
import { BERTH_ENV, listPids, readEnviron } from "./process-info.js";

/**
 * Names the process listening on a TCP port, so "port 3000 is already in use" can say by
 * whom — and, when that is a berth service, which service of which instance.
 */

const execFileAsync = promisify(execFile);

/**
 * Describes the process listening on `port`, or `undefined` when that cannot be known
 * (nothing listens, or the platform gives no way to see it).
 *
 * @example
 * await describePortHolder(3000);
 * // 'PID 1234 (node server.js) — service "api" of berth instance "shop-1a2b3c" (/home/me/shop)'
 */
export async function describePortHolder(port: number): Promise<string | undefined> {
  const holder = await findPortHolder(port);
  if (!holder) return undefined;
  if (holder.pid === undefined) return `a process of another user (uid ${holder.uid})`;
  return describePid(holder.pid, holder.command ?? "?", holder.berth);
}

/** The process listening on a port, as far as it can be known. */
export interface PortHolder {
  pid?: number;
  command?: string;
  /** Set when only the owner's user could be seen. */
  uid?: string;
  /** Set when the holder is a berth service (from its environment). */
  berth?: { instance: string; service?: string; project?: string };
}

/** Finds the process listening on `port`; `undefined` when nothing does or it cannot be known. */
export async function findPortHolder(port: number): Promise<PortHolder | undefined> {
  try {
    return process.platform === "linux" ? await findLinux(port) : await findLsof(port);
  } catch {
    // Naming the holder is a courtesy; failing to must never hide the real error.
    return undefined;
  }
}

async function findLinux(port: number): Promise<PortHolder | undefined> {
  const sockets = await listeningSockets(port);
  if (sockets.length === 0) return undefined;
  const inodes = new Set(sockets.map((s) => `socket:[${s.inode}]`));
  const pid = await findSocketOwner(inodes);
  if (pid !== undefined) {
    return { pid, command: await linuxCommand(pid), berth: berthIdentity(readEnviron(pid)) };
  }
  // /proc/net shows every socket, but another user's file descriptors stay hidden.
  const uid = sockets[0]?.uid;
  return Number(uid) === process.getuid?.() ? undefined : { uid };
}

function berthIdentity(env: Map<string, string> | undefined): PortHolder["berth"] {
  const instance = env?.get(BERTH_ENV.instance);
  if (instance === undefined) return undefined;
  return { instance, service: env?.get(BERTH_ENV.service), project: env?.get(BERTH_ENV.project) };
}

interface ListeningSocket {
  inode: string;
  uid: string;
}

/** Listening sockets on `port` from /proc/net/tcp and tcp6 (state 0A is LISTEN). */
async function listeningSockets(port: number): Promise<ListeningSocket[]> {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  const found: ListeningSocket[] = [];
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    const text = await readFile(table, "utf8").catch(() => "");
    for (const line of text.split("\n").slice(1)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      if (fields[3] !== "0A" || !local?.endsWith(`:${hexPort}`)) continue;
      if (fields[9] && fields[9] !== "0") found.push({ inode: fields[9], uid: fields[7] ?? "?" });
    }
  }
  return found;
}

/**
 * Scans every visible process's file descriptors. Synchronous calls are about ten times
 * faster than promise-based ones here (a busy machine has tens of thousands of descriptors);
 * the scan yields between processes so the event loop (log streaming) keeps moving.
 */
async function findSocketOwner(links: Set<string>): Promise<number | undefined> {
  for (const pid of listPids()) {
    if (ownsOneOf(pid, links)) return pid;
    await yieldToEventLoop();
  }
  return undefined;
}

function ownsOneOf(pid: number, links: Set<string>): boolean {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds) {
    try {
      if (links.has(readlinkSync(`/proc/${pid}/fd/${fd}`))) return true;
    } catch {
      // closed meanwhile
    }
  }
  return false;
}

async function linuxCommand(pid: number): Promise<string> {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
  const args = cmdline.split("\0").filter((a) => a !== "");
  if (args.length > 0) return args.join(" ");
  return (await readFile(`/proc/${pid}/comm`, "utf8").catch(() => "?")).trim();
}

/** Where /proc is missing (macOS), ask lsof if it is installed. */
async function findLsof(port: number): Promise<PortHolder | undefined> {
  const { stdout } = await execFileAsync("lsof", ["-nP", `-iTCP:${port}`, "-sTCP:LISTEN", "-t"], {
    timeout: 2000,
  });
  const pid = Number(stdout.trim().split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const ps = await execFileAsync("ps", ["-o", "command=", "-p", String(pid)], { timeout: 2000 });
  return { pid, command: ps.stdout.trim() || "?" };
}

function describePid(pid: number, command: string, berth: PortHolder["berth"]): string {
  const oneLine = command.replace(/\s+/g, " ").trim();
  const short = oneLine.length > 80 ? `${oneLine.slice(0, 77)}...` : oneLine;
  let text = `PID ${pid} (${short})`;
  if (berth !== undefined) {
    const { service, project } = berth;
    text += ` — ${service ? `service "${service}" of ` : ""}berth instance "${berth.instance}"`;
    if (project) text += ` (${project})`;
  }
  return text;
}
