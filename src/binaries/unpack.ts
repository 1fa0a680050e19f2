import { chmod, lstat, mkdir, readdir, realpath, rename } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import type { BinaryArchive } from "../config/normalized.js";
import { BerthError } from "../errors.js";
import { UnsafeArchiveError } from "./archive-paths.js";

export interface UnpackOptions {
  archive: BinaryArchive;
  /** The download; moved (not copied) into `dir` when it is the executable itself. */
  file: string;
  /** An empty or missing folder on the cache's filesystem, renamed into place later. */
  dir: string;
  /** The executable's path inside the archive (placeholders filled in). */
  path: string;
  /** `"mytool 1.2.0"`, for messages. */
  label: string;
}

/**
 * Unpacks a download into `dir` and returns the executable's absolute path, made
 * executable (0755). The caller moves `dir` into the cache in one rename, so a half
 * unpacked folder is never seen there.
 *
 * @example const executable = await unpack({ archive: "tar.gz", file, dir: join(staging, "root"), path: "bin/tool", label });
 * @throws BerthError `BINARY_UNPACK_FAILED`: not an archive, an entry escaping the folder, no executable at `path`.
 */
export async function unpack(options: UnpackOptions): Promise<string> {
  const { archive, file, dir, label } = options;
  await mkdir(dir, { recursive: true });
  try {
    // The archive libraries load only here: most hosts never unpack anything, and tar
    // alone is a tenth of the code a host would otherwise load at every start.
    if (archive === "tar.gz") await (await import("./unpack-tar.js")).unpackTarGz(file, dir);
    else if (archive === "zip") await (await import("./unpack-zip.js")).unpackZip(file, dir);
    else await rename(file, join(dir, options.path));
  } catch (error) {
    if (error instanceof UnsafeArchiveError) {
      throw new BerthError(
        "BINARY_UNPACK_FAILED",
        `Refused to unpack ${label}: ${error.message}. Nothing was installed; the archive is broken or malicious, so report it to its publisher rather than working around it.`,
        { details: error.entries.length > 1 ? error.entries : [], cause: error },
      );
    }
    throw new BerthError(
      "BINARY_UNPACK_FAILED",
      `Could not unpack ${label} as ${archive === "zip" ? "a zip" : "a tar.gz"} archive (${(error as Error).message}); check the binary's \`archive\` and \`url\`.`,
      { cause: error },
    );
  }
  const executable = await locate(dir, options.path, label);
  await chmod(executable, 0o755);
  return executable;
}

/** The executable inside `dir`: a regular file, or a link to one that stays inside. */
async function locate(dir: string, path: string, label: string): Promise<string> {
  const candidate = join(dir, path);
  const stats = await lstat(candidate).catch(() => undefined);
  if (stats === undefined) {
    const listing = await someFiles(dir);
    throw new BerthError(
      "BINARY_UNPACK_FAILED",
      `The archive of ${label} has no "${path}"; fix the binary's \`path\` (it is relative to the archive's top).`,
      {
        details:
          listing.length > 0 ? ["The archive holds:", ...listing] : ["The archive is empty."],
      },
    );
  }
  const real = await realpath(candidate).catch(() => undefined);
  const root = await realpath(dir);
  const inside = real !== undefined && (real === root || real.startsWith(root + sep));
  const file = inside ? await lstat(real) : undefined;
  if (!file?.isFile()) {
    throw new BerthError(
      "BINARY_UNPACK_FAILED",
      `"${path}" in the archive of ${label} is not a file${inside ? "" : " inside the archive"}; fix the binary's \`path\`.`,
    );
  }
  return candidate;
}

/** Up to 12 files of the archive, for a message that helps fix a wrong `path`. */
async function someFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (folder: string): Promise<void> => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      if (found.length >= 12) return;
      const full = join(folder, entry.name);
      if (entry.isDirectory()) await walk(full);
      else found.push(`  ${relative(dir, full)}`);
    }
  };
  await walk(dir);
  return found;
}
