import { chmod, lstat, mkdir, readdir, readFile, rename, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { BerthError } from "../errors.js";
import { writeFileAtomic } from "../platform/atomic-write.js";

// host/lock.ts still imports it from here; it belongs to platform/atomic-write.ts.

/**
 * The project's `.berth/` folder and its `state.json`: what berth remembers between runs
 * (the ports it gave out, the instance's name and secret, binary versions).
 */

export interface ProjectState {
  version: 1;
  /** Absent until the first run creates it (see `ensureInstance`). */
  instance?: { name: string; secret: string };
  /** The port each service had last time, reused so its URL stays the same. */
  ports: Record<string, number>;
  /** Binary versions in use, by binary name. */
  binaries?: Record<string, string>;
  /** The dashboard's port last time, reused so its URL stays the same. */
  dashboard?: { port: number };
}

export const STATE_FILE = "state.json";

/** The state of a project berth has never run: no instance yet, no ports. */
export function emptyState(): ProjectState {
  return { version: 1, ports: {} };
}

/**
 * Creates `<projectDir>/.berth/` (and its `.gitignore` holding `*`, so nothing in it is ever
 * committed) if needed; returns its path. Everything in it is private to the user (it holds
 * the instance secret, and logs that may hold anything): folders 0700, files 0600, also
 * those an older berth made with wider modes. A `.gitignore` left empty (a first run on a
 * full disk) is written again.
 *
 * @example
 * const stateDir = await ensureStateDir("/home/me/shop"); // "/home/me/shop/.berth"
 */
export async function ensureStateDir(projectDir: string): Promise<string> {
  const stateDir = join(projectDir, ".berth");
  // Not recursive: the project folder exists (its config is there), and a recursive mkdir
  // reports a read-only file system as ENOENT.
  await mkdir(stateDir, { mode: 0o700 }).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") await mkdir(stateDir, { recursive: true, mode: 0o700 });
    else if (error.code !== "EEXIST") throw error;
  });
  await tightenModes(stateDir);
  const gitignore = join(stateDir, ".gitignore");
  const current = await readFile(gitignore, "utf8").catch(() => "");
  // Written whole or not at all: a create that fails half-way must not leave it empty.
  if (current.trim() === "") await writeFileAtomic(gitignore, "*\n");
  return stateDir;
}

/**
 * Makes `.berth/` private: itself, its folders and their entries lose the group's and
 * others' rights (folders 0700, files 0600). What lies deeper (inside a service's data
 * folder) is the service's, and unreachable by others through the folders above it.
 */
export async function tightenModes(stateDir: string): Promise<void> {
  await restrict(stateDir);
  for (const name of await readdir(stateDir).catch(() => [])) {
    const path = join(stateDir, name);
    if (!(await restrict(path))) continue;
    for (const child of await readdir(path).catch(() => [])) await restrict(join(path, child));
  }
}

/** Takes the group's and others' rights off `path`; true when it is a folder. */
async function restrict(path: string): Promise<boolean> {
  const info = await lstat(path).catch(() => undefined);
  // A symbolic link's own mode means nothing; what it points to may not be berth's.
  if (!info || info.isSymbolicLink()) return false;
  // Another user's file (EPERM) is theirs to keep private: berth cannot, and need not stop.
  if ((info.mode & 0o077) !== 0) await chmod(path, info.mode & 0o700).catch(() => {});
  return info.isDirectory();
}

/**
 * Reads `state.json`; a missing file is an empty state.
 *
 * A file that is not a valid state (bad JSON, wrong shape: in practice a hand edit, since
 * berth only ever writes it atomically) is moved aside to `state.json.corrupt-<time>` with a
 * warning, and berth starts fresh: the ports and the instance name can be recomputed, and
 * refusing to run would block the user over a file they may never have looked at. The old
 * file is kept so a secret can be recovered by hand. A state written by a newer berth
 * (a higher `version`) is not touched: that is `STATE_INVALID`.
 *
 * @example
 * const state = await readState(stateDir, { warn: (text) => reporter.warn(text) });
 */
export async function readState(
  stateDir: string,
  options: { warn: (message: string) => void },
): Promise<ProjectState> {
  const file = join(stateDir, STATE_FILE);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return emptyState();
    throw error;
  }
  let problem: string;
  try {
    const parsed: unknown = JSON.parse(text);
    const version = (parsed as { version?: unknown } | null)?.version;
    if (typeof version === "number" && version > 1) {
      throw new BerthError(
        "STATE_INVALID",
        `${file} was written by a newer berth (state version ${version}). ` +
          `Upgrade berth, or delete the file to start fresh (ports and the instance secret will change).`,
      );
    }
    const state = validState(parsed);
    if (state) return state;
    problem = "it does not have the expected fields";
  } catch (error) {
    if (error instanceof BerthError) throw error;
    problem = `it is not valid JSON (${(error as Error).message})`;
  }
  const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, "-")}`;
  await rename(file, aside);
  options.warn(
    `${file} could not be read: ${problem}. Moved it to ${basename(aside)} and started fresh; ` +
      `services may get new ports and a new instance secret.`,
  );
  return emptyState();
}

function validState(value: unknown): ProjectState | undefined {
  if (!isRecord(value) || value.version !== 1 || !isRecord(value.ports)) return undefined;
  if (!Object.values(value.ports).every(isPortNumber)) return undefined;
  const { instance, binaries, dashboard } = value;
  if (instance !== undefined) {
    if (!isRecord(instance) || !isText(instance.name) || !isText(instance.secret)) return undefined;
  }
  if (binaries !== undefined) {
    if (!isRecord(binaries) || !Object.values(binaries).every(isText)) return undefined;
  }
  if (dashboard !== undefined) {
    if (!isRecord(dashboard) || !isPortNumber(dashboard.port)) return undefined;
  }
  return value as unknown as ProjectState;
}

/**
 * Writes `state.json` so that a reader only ever sees the old or the new file, never a
 * half-written one: a temp file in the same folder (mode 0600: it holds the instance
 * secret), flushed to disk, then renamed over the old one.
 */
export async function writeState(stateDir: string, state: ProjectState): Promise<void> {
  const file = join(stateDir, STATE_FILE);
  const content = `${JSON.stringify(state, null, 2)}\n`;
  // Most starts change nothing (same ports, same instance): skip the flush to disk then,
  // unless the file (it holds the instance secret) has become readable by others.
  const current = await readFile(file, "utf8").catch(() => undefined);
  const isPrivate = await stat(file).then(
    (info) => (info.mode & 0o077) === 0,
    () => false,
  );
  if (current !== content || !isPrivate) await writeFileAtomic(file, content);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isPortNumber(value: unknown): boolean {
  return Number.isInteger(value) && (value as number) > 0 && (value as number) <= 65535;
}

function isText(value: unknown): value is string {
  return typeof value === "string" && value !== "";
}
