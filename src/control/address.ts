import { join } from "node:path";
import { fallbackRuntimeDir, runtimeDir } from "../platform/paths.js";

export { appHostHash } from "../model/instance.js";

/**
 * Where control sockets live and what they are called (DESIGN.md, "Where things live").
 * Every path can be moved by an environment variable; tests move all of them.
 */

/** A socket path longer than this does not fit `sockaddr_un` everywhere (macOS: 104). */
export const MAX_SOCKET_PATH = 100;

/** `<hash>.<pid>` — the stem of both the socket and its sidecar. */
export function socketStem(hash: string, pid: number): string {
  return `${hash}.${pid}`;
}

/** Parses `<hash>.<pid>.sock` / `.json`; undefined for anything else in the folder. */
export function parseSocketName(
  name: string,
): { hash: string; pid: number; kind: "sock" | "json" } | undefined {
  const match = /^([0-9a-f]{16})\.(\d+)\.(sock|json)$/.exec(name);
  if (!match) return undefined;
  return { hash: match[1]!, pid: Number(match[2]), kind: match[3] as "sock" | "json" };
}

export interface SocketAddress {
  dir: string;
  socketPath: string;
  sidecarPath: string;
  /** True when the preferred runtime dir was too deep and `/tmp/berth-<uid>` is used. */
  fellBack: boolean;
}

/** The socket and sidecar paths for a host, falling back when the path would be too long. */
export function socketAddress(
  hash: string,
  pid: number,
  env: NodeJS.ProcessEnv = process.env,
): SocketAddress {
  const stem = socketStem(hash, pid);
  const preferred = runtimeDir(env);
  const fits = Buffer.byteLength(join(preferred, `${stem}.sock`)) <= MAX_SOCKET_PATH;
  const dir = fits ? preferred : fallbackRuntimeDir(env);
  return {
    dir,
    socketPath: join(dir, `${stem}.sock`),
    sidecarPath: join(dir, `${stem}.json`),
    fellBack: !fits,
  };
}

/** Every folder a lister must scan: the runtime dir, and the fallback when it differs. */
export function scanDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs = [runtimeDir(env)];
  const fallback = fallbackRuntimeDir(env);
  if (fallback !== dirs[0]) dirs.push(fallback);
  return dirs;
}

/** The sidecar written next to each socket before it listens. */
export interface Sidecar {
  appHostPath: string;
  pid: number;
  processStartTime: string;
  /** ISO 8601. */
  startedAt: string;
  version: string;
}
