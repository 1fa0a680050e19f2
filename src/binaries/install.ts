/**
 * One install into the cache: download into a staging folder next to the entry (same
 * file system), verify, unpack, write the marker last, then one rename into place.
 * Callers hold the version's install lock (see `lock.ts`).
 */
import { mkdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { NormalizedBinary } from "../config/normalized.js";
import { formatBytes } from "./bytes.js";
import {
  commitEntry,
  inspectEntry,
  writeMarker,
  type BinaryMarker,
  type EntryState,
} from "./cache.js";
import { download } from "./download.js";
import { hashFile } from "./hash-file.js";
import { removeLeftovers, stagingName } from "./leftovers.js";
import type { BinaryLog } from "./resolve-version.js";
import { unpack } from "./unpack.js";

export interface InstallOptions {
  log: BinaryLog;
  progress?: NodeJS.WriteStream;
  signal?: AbortSignal;
  timeouts?: { stallMs?: number };
}

/** What the config asks of an install, with every placeholder filled in. */
export interface Wanted {
  version: string;
  url: string;
  path: string;
  platform: string;
  sha256: string | undefined;
  label: string;
}

export type UsableEntry = Extract<EntryState, { state: "ok" }>;

/** The installed entry if it is whole and is what the config asks for now. */
export async function usableEntry(
  dir: string,
  wanted: Wanted,
  log: BinaryLog,
): Promise<UsableEntry | undefined> {
  const entry = await inspectEntry(dir);
  if (entry.state === "missing") return undefined;
  const reason = entry.state === "broken" ? entry.reason : mismatch(entry.marker, wanted);
  if (reason === undefined) return entry as UsableEntry;
  log("warn", `The cached ${wanted.label} (${dir}) is not usable: ${reason}; installing it again.`);
  return undefined;
}

function mismatch(marker: BinaryMarker, wanted: Wanted): string | undefined {
  if (wanted.sha256 !== undefined && marker.sha256 !== wanted.sha256) {
    return "its download's SHA-256 differs from the config's";
  }
  if (marker.path !== wanted.path)
    return `its executable is ${marker.path}, the config names ${wanted.path}`;
  if (marker.platform !== wanted.platform) return `it was installed for ${marker.platform}`;
  return undefined;
}

/**
 * Installs the wanted version into `dir`; the staging folder goes whatever happens, so a
 * failed install leaves nothing in the cache.
 */
export async function install(
  spec: NormalizedBinary,
  wanted: Wanted,
  dir: string,
  options: InstallOptions,
): Promise<UsableEntry> {
  const nameDir = dirname(dir);
  await removeLeftovers(nameDir);
  const staging = join(nameDir, stagingName());
  await mkdir(staging);
  try {
    if (wanted.sha256 === undefined) {
      options.log(
        "warn",
        `Downloading ${wanted.label} without verifying it: the config has no SHA-256 for ${wanted.platform} and sets \`insecure: true\`.`,
      );
    }
    options.log("info", `Downloading ${wanted.label} from ${wanted.url}`);
    const file = join(staging, "download");
    const got = await download({
      url: wanted.url,
      file,
      label: wanted.label,
      expectedSha256: wanted.sha256,
      progress: options.progress,
      signal: options.signal,
      stallTimeoutMs: options.timeouts?.stallMs,
    });
    const root = join(staging, "root");
    const executable = await unpack({
      archive: spec.archive,
      file,
      dir: root,
      path: wanted.path,
      label: wanted.label,
    });
    const marker: BinaryMarker = {
      name: spec.name,
      version: wanted.version,
      url: wanted.url,
      sha256: got.sha256,
      verified: wanted.sha256 !== undefined,
      platform: wanted.platform,
      path: wanted.path,
      executableSha256: await hashFile(executable),
      installedAt: new Date().toISOString(),
    };
    await writeMarker(root, marker);
    const outcome = await commitEntry(root, dir, async (existing) =>
      Boolean(await usableEntry(existing, wanted, () => {})),
    );
    if (outcome === "kept") {
      // Another process's copy won the rename; use it (it was found usable).
      const entry = await inspectEntry(dir);
      if (entry.state === "ok") return entry;
      throw new Error(`${dir} was changed while it was being installed`);
    }
    options.log("info", `Installed ${wanted.label} (${formatBytes(got.bytes)} download) in ${dir}`);
    return { state: "ok", dir, marker, executable: join(dir, wanted.path) };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
