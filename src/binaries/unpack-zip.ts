import { mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { unzip, type Unzipped } from "fflate";
import { UnsafeArchiveError, safeEntryPath, unsafeEntry } from "./archive-paths.js";
import { S_IFDIR, S_IFLNK, S_IFMT, zipModes } from "./zip-modes.js";

/**
 * Unpacks a zip into `dir`, refusing it whole when an entry would land outside. The
 * archive is read into memory (a zip's index is at its end): fine for a tool's download.
 *
 * @throws Error whose message says what is wrong; the caller wraps it.
 */
export async function unpackZip(file: string, dir: string): Promise<void> {
  const zip = await readFile(file);
  const modes = zipModes(zip);
  const files = await new Promise<Unzipped>((resolve, reject) =>
    unzip(zip, (error, data) => (error ? reject(error) : resolve(data))),
  );
  const decoder = new TextDecoder();
  const entries = Object.entries(files).map(([name, data]) => {
    const mode = modes.get(name) ?? 0;
    const type = mode & S_IFMT;
    const target = type === S_IFLNK ? decoder.decode(data) : undefined;
    const problem = unsafeEntry(
      name,
      target === undefined ? undefined : { kind: "symlink", target },
    );
    return { name, data, mode, type, target, problem };
  });
  const refused = entries.flatMap((e) => (e.problem ? [e.problem] : []));
  if (refused.length > 0) throw new UnsafeArchiveError(refused);

  // Folders and files first, links last: a link must not redirect a later write.
  const order = (e: (typeof entries)[number]) => (e.target === undefined ? 0 : 1);
  for (const entry of entries.sort((a, b) => order(a) - order(b))) {
    const path = join(dir, safeEntryPath(entry.name)!);
    if (entry.name.endsWith("/") || entry.type === S_IFDIR) {
      await mkdir(path, { recursive: true });
      continue;
    }
    await mkdir(dirname(path), { recursive: true });
    if (entry.target !== undefined) await symlink(entry.target, path);
    else await writeFile(path, entry.data, { mode: entry.mode & 0o777 || 0o644 });
  }
}
