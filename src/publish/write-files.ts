/**
 * Writes what `berth publish` made into the output folder without ever losing a user's
 * edit. Each file starts with a comment holding a check of the rest of it: a file whose
 * check still matches is berth's to replace; one edited since (or never berth's) is
 * replaced only with `--force`. Nothing is written unless every file can be.
 */
import { createHash } from "node:crypto";
import { chmod, mkdir, readdir, readFile, rm } from "node:fs/promises";
import { join, relative } from "node:path";
import { BerthError } from "../errors.js";
import { writeFileAtomic } from "../platform/atomic-write.js";

/** A file to write, relative to the output folder, without its first line. */
export interface OutputFile {
  path: string;
  body: string;
  /** Holds secret values: written 0600 and listed in the folder's `.gitignore`. */
  secret?: boolean;
}

/** The output folder's `.gitignore`: every file of `files` that holds secret values. */
export function gitignoreFor(files: readonly OutputFile[]): OutputFile {
  const secrets = files.filter((file) => file.secret).map((file) => `/${file.path}\n`);
  return {
    path: ".gitignore",
    body: `# Secret values: made by berth publish from your env files and .berth/state.json.\n${secrets.join("")}`,
  };
}

export interface WriteResult {
  written: string[];
  unchanged: string[];
  /** Files berth wrote before and no longer makes, removed (they were unedited). */
  removed: string[];
  /** Files berth no longer makes but the user edited: left as they are. */
  keptEdited: string[];
}

/** How every file berth publish writes begins: the Node image leaves such files out. */
export const MARK = "# Written by `berth publish`";

/** The first line of a file berth writes: where it comes from, and a check of the rest. */
function header(body: string, source: string): string {
  return `${MARK} from ${source} (check ${check(body)}). It replaces this file only while it is unedited, or with --force.\n`;
}

function check(body: string): string {
  return createHash("sha256").update(body, "utf8").digest("hex").slice(0, 12);
}

/** Whether `text` is a file berth wrote and nobody changed since. */
function isUnedited(text: string): boolean {
  if (!text.startsWith(MARK)) return false;
  const end = text.indexOf("\n");
  const found = /\(check ([0-9a-f]{12})\)/.exec(text.slice(0, end))?.[1];
  return found !== undefined && found === check(text.slice(end + 1));
}

/**
 * Writes `files` into `dir`.
 *
 * @param source The config file's name, for the header.
 * @throws BerthError `PUBLISH_FILES_EDITED` listing every file that would replace an edit
 *   (nothing is written then), unless `force`.
 */
export async function writeOutput(
  dir: string,
  files: readonly OutputFile[],
  options: { source: string; force: boolean; cwd: string },
): Promise<WriteResult> {
  const result: WriteResult = { written: [], unchanged: [], removed: [], keptEdited: [] };
  const planned: { file: OutputFile; text: string }[] = [];
  const edited: string[] = [];
  for (const file of files) {
    const text = header(file.body, options.source) + file.body;
    const current = await readFile(join(dir, file.path), "utf8").catch(notFound);
    if (current === text) {
      result.unchanged.push(file.path);
      continue;
    }
    if (current !== undefined && !isUnedited(current)) edited.push(file.path);
    planned.push({ file, text });
  }
  if (edited.length > 0 && !options.force) {
    const shown = (path: string) => relative(options.cwd, join(dir, path)) || path;
    throw new BerthError(
      "PUBLISH_FILES_EDITED",
      `Not publishing: ${edited.length === 1 ? "this file was" : `${edited.length} files were`} edited since berth wrote ${edited.length === 1 ? "it" : "them"} (or ${edited.length === 1 ? "is" : "are"} not berth's), and would be replaced. Nothing was written. To keep a change, make it in ${options.source} if it can be said there; run again with --force to replace ${edited.length === 1 ? "the file" : "them"}.`,
      { details: edited.map(shown) },
    );
  }
  await mkdir(dir, { recursive: true });
  for (const { file, text } of planned) {
    const path = join(dir, file.path);
    await writeFileAtomic(path, text);
    // Written 0600, as every atomic write is; a file to commit is for anyone to read.
    if (!file.secret) await chmod(path, 0o644);
    result.written.push(file.path);
  }
  const made = new Set(files.map((f) => f.path));
  for (const name of await readdir(dir)) {
    if (made.has(name)) continue;
    const text = await readFile(join(dir, name), "utf8").catch(() => undefined);
    if (text === undefined || !text.startsWith(MARK)) continue;
    if (isUnedited(text)) {
      await rm(join(dir, name));
      result.removed.push(name);
    } else {
      result.keptEdited.push(name);
    }
  }
  return result;
}

function notFound(error: NodeJS.ErrnoException): undefined {
  if (error.code === "ENOENT") return undefined;
  throw error;
}
