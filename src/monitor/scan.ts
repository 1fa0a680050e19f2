import { lstatSync, readdirSync, readFileSync, type Dirent } from "node:fs";
import { join } from "node:path";
import { parseSocketName, scanDirs, socketStem, type Sidecar } from "../control/address.js";

/**
 * What the runtime dirs hold: each `<hash>.<pid>` stem with its socket and sidecar paired
 * up. Scanning only reads the folders; nothing here decides whether a host is alive.
 *
 * Synchronous on purpose: the folders are small and local, and a synchronous read takes
 * microseconds where the thread pool's round trips take milliseconds on a busy machine,
 * which is what a new host's discovery time is made of.
 */

/** What sits where a host's socket should be. */
export type SocketEntry = "socket" | "other" | "none";

/** One `<hash>.<pid>` stem found in a runtime dir. */
export interface Candidate {
  dir: string;
  stem: string;
  hash: string;
  /** The PID from the file name (a sidecar that disagrees is treated as invalid). */
  pid: number;
  socketPath: string;
  sidecarPath: string;
  /** `other` is anything but a socket (a plain file, a folder) under the socket's name. */
  socket: SocketEntry;
  /** Whether a sidecar file exists; its content is read separately (`readSidecar`). */
  hasSidecar: boolean;
}

/** A candidate with its sidecar read. */
export interface InspectedCandidate extends Candidate {
  /** Present when the sidecar exists, parses and names the same PID as the file name. */
  sidecar?: Sidecar;
  /** True when a sidecar file exists but cannot be read as one (partly written, garbage). */
  sidecarInvalid: boolean;
}

/**
 * Lists the candidates in one folder; a folder that does not exist holds none. Throws
 * when the folder exists but cannot be read (a caller must not take that for "no hosts").
 *
 * @example
 * listCandidates("/run/user/1000/berth");
 * // [{ stem: "1a2b3c4d5e6f7a8b.4242", socket: "socket", hasSidecar: true, ... }]
 */
export function listCandidates(dir: string): Candidate[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return [];
    throw error;
  }
  const byStem = new Map<string, Candidate>();
  for (const entry of entries) {
    const parsed = parseSocketName(entry.name);
    if (!parsed) continue;
    const stem = socketStem(parsed.hash, parsed.pid);
    let candidate = byStem.get(stem);
    if (!candidate) {
      candidate = emptyCandidate(dir, parsed.hash, parsed.pid);
      byStem.set(stem, candidate);
    }
    // readdir's file type comes free with the listing (Node lstat()s when the FS has none).
    if (parsed.kind === "sock") candidate.socket = entry.isSocket() ? "socket" : "other";
    else candidate.hasSidecar = true;
  }
  return [...byStem.values()];
}

/**
 * Lists every scan dir (`scanDirs()`) and reads each candidate's sidecar. A folder that
 * cannot be read is skipped (and reported to `onUnreadable`).
 */
export function scanHosts(
  dirs: string[] = scanDirs(),
  onUnreadable?: (dir: string, error: unknown) => void,
): InspectedCandidate[] {
  return listAllCandidates(dirs, onUnreadable).map(withSidecar);
}

/** `listCandidates` over every folder, skipping (and reporting) those that cannot be read. */
export function listAllCandidates(
  dirs: string[] = scanDirs(),
  onUnreadable?: (dir: string, error: unknown) => void,
): Candidate[] {
  return dirs.flatMap((dir) => {
    try {
      return listCandidates(dir);
    } catch (error) {
      onUnreadable?.(dir, error);
      return [];
    }
  });
}

/** Reads a candidate's sidecar (when it has one). */
export function withSidecar(candidate: Candidate): InspectedCandidate {
  if (!candidate.hasSidecar) return { ...candidate, sidecarInvalid: false };
  const sidecar = readSidecar(candidate.sidecarPath, candidate.pid);
  if (sidecar === "missing") return { ...candidate, hasSidecar: false, sidecarInvalid: false };
  if (sidecar === "invalid") return { ...candidate, sidecarInvalid: true };
  return { ...candidate, sidecar, sidecarInvalid: false };
}

/**
 * Looks at one stem afresh (used for the second look before deleting anything).
 *
 * @example
 * inspectStem("/run/user/1000/berth", "1a2b3c4d5e6f7a8b.4242");
 */
export function inspectStem(dir: string, stem: string): InspectedCandidate {
  const parsed = parseSocketName(`${stem}.sock`);
  if (!parsed) throw new Error(`not a host stem: ${stem}`);
  const candidate = emptyCandidate(dir, parsed.hash, parsed.pid);
  candidate.socket = entryKind(candidate.socketPath);
  candidate.hasSidecar = entryKind(candidate.sidecarPath) !== "none";
  return withSidecar(candidate);
}

/**
 * Parses a sidecar. `invalid` covers a half-written file and one whose PID disagrees with
 * its name; `missing` means it went away since the listing.
 */
export function readSidecar(path: string, pid: number): Sidecar | "invalid" | "missing" {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT" ? "missing" : "invalid";
  }
  try {
    const value = JSON.parse(text) as Partial<Sidecar> | null;
    if (
      typeof value?.appHostPath === "string" &&
      value.pid === pid &&
      typeof value.processStartTime === "string"
    ) {
      return value as Sidecar;
    }
  } catch {
    // fall through: not JSON (yet)
  }
  return "invalid";
}

function emptyCandidate(dir: string, hash: string, pid: number): Candidate {
  const stem = socketStem(hash, pid);
  return {
    dir,
    stem,
    hash,
    pid,
    socketPath: join(dir, `${stem}.sock`),
    sidecarPath: join(dir, `${stem}.json`),
    socket: "none",
    hasSidecar: false,
  };
}

function entryKind(path: string): SocketEntry {
  try {
    return lstatSync(path).isSocket() ? "socket" : "other";
  } catch {
    return "none";
  }
}
