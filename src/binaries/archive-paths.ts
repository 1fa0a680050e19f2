import { posix } from "node:path";

/**
 * Where an archive entry would land, decided on its name alone so that nothing is written
 * before the whole archive is known to be safe. Names use "/"; a "\" counts as one too,
 * since a Windows-made archive may use it and some unpackers honour it.
 */

/** The entry's path relative to the unpack folder, or `undefined` when it would escape it. */
export function safeEntryPath(name: string): string | undefined {
  const path = name.replace(/\\/g, "/");
  if (path.startsWith("/") || /^[A-Za-z]:/.test(path)) return undefined;
  const normalized = posix.normalize(path);
  return normalized === ".." || normalized.startsWith("../") ? undefined : normalized;
}

/** True when a symbolic link at `entry` pointing at `target` stays inside the unpack folder. */
export function linkStaysInside(entry: string, target: string): boolean {
  if (target.startsWith("/") || target.includes("\\")) return false;
  return safeEntryPath(posix.join(posix.dirname(entry), target)) !== undefined;
}

/** Why an entry is refused, for the error message; `undefined` when it is fine. */
export function unsafeEntry(
  name: string,
  link?: { kind: "symlink" | "hardlink"; target: string },
): string | undefined {
  const path = safeEntryPath(name);
  if (path === undefined) return `"${name}" would be written outside the binary's folder`;
  if (link?.kind === "symlink" && !linkStaysInside(path, link.target)) {
    return `"${name}" is a link to "${link.target}", outside the binary's folder`;
  }
  if (link?.kind === "hardlink" && safeEntryPath(link.target) === undefined) {
    return `"${name}" is a hard link to "${link.target}", outside the binary's folder`;
  }
  return undefined;
}

/** An archive with entries that would escape its folder; nothing of it was written. */
export class UnsafeArchiveError extends Error {
  constructor(readonly entries: string[]) {
    super(entries.join("; "));
  }
}
