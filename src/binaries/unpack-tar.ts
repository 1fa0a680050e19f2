import { extract, list, type ReadEntry } from "tar";
import { UnsafeArchiveError, unsafeEntry } from "./archive-paths.js";

/** Entry types worth unpacking; devices and FIFOs in a tool's archive are noise or worse. */
const kept = new Set(["File", "OldFile", "ContiguousFile", "Directory", "SymbolicLink", "Link"]);

/**
 * Unpacks a .tar.gz into `dir` after reading it once to refuse entries that would land
 * outside (`../x`, `/etc/x`, links pointing out). node-tar has its own guards (in strict
 * mode they throw too); the first pass makes the refusal all-or-nothing and the message ours.
 *
 * @throws Error whose message says what is wrong; the caller wraps it.
 */
export async function unpackTarGz(file: string, dir: string): Promise<void> {
  const refused: string[] = [];
  await list({
    file,
    strict: true,
    onReadEntry: (entry: ReadEntry) => {
      const problem = unsafeEntry(entry.path, linkOf(entry));
      if (problem) refused.push(problem);
    },
  });
  if (refused.length > 0) throw new UnsafeArchiveError(refused);
  await extract({
    file,
    cwd: dir,
    strict: true,
    // As root, node-tar would otherwise give files the archive's owners.
    preserveOwner: false,
    filter: (_path, entry) => kept.has((entry as ReadEntry).type),
  });
}

function linkOf(entry: ReadEntry) {
  if (entry.type === "SymbolicLink")
    return { kind: "symlink" as const, target: entry.linkpath ?? "" };
  if (entry.type === "Link") return { kind: "hardlink" as const, target: entry.linkpath ?? "" };
  return undefined;
}
