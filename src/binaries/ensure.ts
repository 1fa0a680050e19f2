import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { renderBinaryTemplate } from "../config/binary-template.js";
import type { NormalizedBinary } from "../config/normalized.js";
import { berthHome } from "../platform/paths.js";
import { BerthError } from "../errors.js";
import { entryDir, writeMarker } from "./cache.js";
import { checkBinary } from "./check.js";
import { install, usableEntry, type UsableEntry, type Wanted } from "./install.js";
import { withInstallLock } from "./lock.js";
import { currentPlatform, placeholders, platformKey, type Platform } from "./platform.js";
import { resolveVersion, type BinaryLog } from "./resolve-version.js";

export type { BinaryLog };

export interface EnsureBinaryOptions {
  /** `$BERTH_HOME`; default from the environment. */
  home?: string;
  /** The version this project used last time: state.json's `binaries[name]`. */
  installedVersion?: string;
  /** With `version: "latest"`: use `installedVersion` without looking up (a quick `berth exec`). */
  preferInstalled?: boolean;
  log: BinaryLog;
  /** Where the download's progress bar goes (usually `process.stderr`); none unless a TTY. */
  progress?: NodeJS.WriteStream;
  signal?: AbortSignal;
  /** The platform to fetch for; default this machine. */
  platform?: Platform;
  /** For tests: shorter waits than the defaults. */
  timeouts?: { latestMs?: number; stallMs?: number; checkMs?: number };
}

export interface EnsuredBinary {
  /** The exact version in use: record it in state.json's `binaries[name]`. */
  version: string;
  /** Absolute path of the executable to run. */
  executable: string;
  /** True when this call downloaded it. */
  downloaded: boolean;
}

/**
 * Makes a binary ready to start: resolves its version, installs it into the cache unless
 * a usable copy is there (downloaded once, verified, unpacked, moved into place
 * atomically; a broken copy is fetched again), and runs its check the first time.
 *
 * @example
 * const { version, executable } = await ensureBinary(service.binary, {
 *   installedVersion: state.binaries?.[service.binary.name],
 *   log: (level, text) => say(level, text),
 *   progress: process.stderr,
 * });
 * @throws BerthError `BINARY_VERSION_UNKNOWN`, `BINARY_CHECKSUM_MISSING`, `BINARY_DOWNLOAD_FAILED`,
 *   `BINARY_CHECKSUM_MISMATCH`, `BINARY_UNPACK_FAILED` or `BINARY_CANNOT_RUN`.
 */
export async function ensureBinary(
  spec: NormalizedBinary,
  options: EnsureBinaryOptions,
): Promise<EnsuredBinary> {
  const home = options.home ?? berthHome();
  const platform = options.platform ?? currentPlatform();
  // Before any network: a config that cannot be satisfied here fails at once.
  requireDigest(spec, platform);
  const version = await resolveVersion(spec, { ...options, timeoutMs: options.timeouts?.latestMs });
  const wanted = describeInstall(spec, version, platform);
  const dir = entryDir(home, spec.name, version);

  const cached = await usableEntry(dir, wanted, options.log);
  const entry: UsableEntry & { downloaded?: boolean } =
    cached ?? (await installOnce(spec, wanted, dir, options));
  if (spec.check !== false && !sameArgs(entry.marker.checked?.args, spec.check)) {
    await checkOnce(entry, spec.check, wanted, { ...options, platform });
  }
  return { version, executable: entry.executable, downloaded: entry.downloaded === true };
}

/** Installs under the version's lock, unless whoever held it installed it meanwhile. */
async function installOnce(
  spec: NormalizedBinary,
  wanted: Wanted,
  dir: string,
  options: EnsureBinaryOptions,
): Promise<UsableEntry & { downloaded?: boolean }> {
  await mkdir(dirname(dir), { recursive: true });
  const lock = join(dirname(dir), `.${wanted.version}.lock`);
  const onWait = (pid: number) =>
    options.log(
      "info",
      `Waiting for another berth (PID ${pid}) to finish installing ${wanted.label}…`,
    );
  return withInstallLock(lock, { onWait, signal: options.signal }, async () => {
    const installed = await usableEntry(dir, wanted, () => {});
    if (installed) return installed;
    return { ...(await install(spec, wanted, dir, options)), downloaded: true };
  });
}

/** Runs the check and notes it in the marker, so later starts skip it. */
async function checkOnce(
  entry: UsableEntry,
  args: string[],
  wanted: Wanted,
  options: EnsureBinaryOptions & { platform: Platform },
): Promise<void> {
  await checkBinary(entry.executable, args, {
    label: wanted.label,
    platform: options.platform,
    timeoutMs: options.timeouts?.checkMs,
    signal: options.signal,
  });
  // Failing to note it only means checking again next time.
  const checked = { args, at: new Date().toISOString() };
  await writeMarker(entry.dir, { ...entry.marker, checked }).catch(() => {});
}

function describeInstall(spec: NormalizedBinary, version: string, platform: Platform): Wanted {
  const values = placeholders(spec, version, platform);
  const key = platformKey(platform);
  return {
    version,
    url: renderBinaryTemplate(spec.url, values),
    path: renderBinaryTemplate(spec.path, values),
    platform: key,
    sha256: spec.sha256[key],
    label: `${spec.name} ${version}`,
  };
}

/** A platform without a digest is refused unless the config opts out with `insecure`. */
function requireDigest(spec: NormalizedBinary, platform: Platform): void {
  const key = platformKey(platform);
  if (spec.sha256[key] !== undefined || spec.insecure) return;
  const known = Object.keys(spec.sha256);
  throw new BerthError(
    "BINARY_CHECKSUM_MISSING",
    `The config has no SHA-256 for ${spec.name} on ${key}${known.length ? ` (only for ${known.join(", ")})` : ""}, so berth will not download it. ` +
      `Add the digest published with the release (binary.sha256: { "${key}": "<64 hex digits>" }), or set \`insecure: true\` to run it unverified.`,
  );
}

function sameArgs(a: string[] | undefined, b: string[]): boolean {
  return a !== undefined && a.length === b.length && a.every((arg, i) => arg === b[i]);
}
