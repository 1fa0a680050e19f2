import { randomBytes } from "node:crypto";
import { link, mkdir, open, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { BerthError } from "../errors.js";
import { writeFileAtomic } from "../platform/atomic-write.js";
import { isPid, isSameProcess, type ProcessIdentity } from "../platform/process-info.js";

/**
 * Only one app host per project: `.berth/host.json` names the host that runs it. The
 * record also lists the service processes, so that if the host dies without stopping them
 * the next run can find and kill exactly those (see leftovers.ts).
 */

/** One service's process as recorded for clean-up. */
export interface ServiceProcessRecord {
  pid: number;
  /** The service's process group (its leader is `pid`). */
  pgid: number;
  startTime: string;
  /**
   * How the service stops (its `stopSignal` and `stopTimeout`), so a clean-up after a crash
   * stops it as the host would have. Absent in records of older versions.
   */
  stopSignal?: NodeJS.Signals;
  stopTimeoutMs?: number;
}

/** Who the host is. */
export interface HostInfo extends ProcessIdentity {
  /** ISO 8601 wall-clock time the host started. */
  startedAt: string;
  appHostPath: string;
  /** Unique per run; every service carries it as `BERTH_RUN_ID`. */
  runId: string;
}

/** The content of `host.json`. */
export interface HostRecord extends HostInfo {
  services: Record<string, ServiceProcessRecord>;
}

/** The project's lock, held by this host until `release()`. */
export interface HostLock {
  readonly file: string;
  /** The record a crashed host left, replaced by ours: what `cleanupLeftovers` needs. */
  readonly stale?: HostRecord;
  /** Rewrites the record's service processes (atomically). */
  updateServices(services: Record<string, ServiceProcessRecord>): Promise<void>;
  /** Removes `host.json` if it is still ours. Idempotent. */
  release(): Promise<void>;
}

export const HOST_FILE = "host.json";
/** A detached host's own output (see `berth run --detach`). */
export const HOST_LOG = "host.log";

/**
 * Takes the project's lock, or throws `ALREADY_RUNNING` when a live host holds it. A record
 * whose process is gone (or whose PID now belongs to another process: the start time
 * differs) is stale: it is replaced, and returned as `stale` for clean-up. When several
 * hosts start at once, exactly one wins.
 *
 * @example
 * const lock = await acquireHostLock(stateDir, { pid: process.pid, startTime, startedAt, appHostPath, runId });
 * if (lock.stale) await cleanupLeftovers(lock.stale, { log });
 */
export async function acquireHostLock(stateDir: string, info: HostInfo): Promise<HostLock> {
  await mkdir(stateDir, { recursive: true });
  const file = join(stateDir, HOST_FILE);
  const record: HostRecord = { ...info, services: {} };
  const content = serialize(record);
  for (let attempt = 0; attempt < 200; attempt++) {
    if (await createExclusive(file, content)) return heldLock(file, record, undefined);
    const existing = await readRecordText(file);
    if (existing === undefined) continue; // released meanwhile: try again
    if (existing.record && isSameProcess(existing.record)) {
      throw alreadyRunning(existing.record, info);
    }
    if (!existing.record && (await youngerThan(file, 2000))) {
      // Possibly being written by a host on a filesystem without hard links (see below).
      await delay(20);
      continue;
    }
    if (await replaceStale(file, existing.text, content, info)) {
      return heldLock(file, record, existing.record);
    }
    await delay(5 + Math.random() * 10);
  }
  throw new Error(`could not take the lock ${file}: it keeps changing`);
}

/**
 * The host that holds the project's lock, while its process is still the one that took it
 * (same pid and start time, which the host wrote about itself). A host takes the lock
 * before anything else and opens its control socket only once a service has spawned, so
 * this is how `berth stop` finds a host that is still starting.
 *
 * @example const starting = await lockHolder(join(projectDir, ".berth"));
 */
export async function lockHolder(stateDir: string): Promise<HostRecord | undefined> {
  const found = await readRecordText(join(stateDir, HOST_FILE)).catch(() => undefined);
  const record = found?.record;
  if (!record || record.startTime === "unknown") return undefined;
  return isSameProcess(record) ? record : undefined;
}

function heldLock(file: string, record: HostRecord, stale: HostRecord | undefined): HostLock {
  let released = false;
  // One write at a time, in call order: a late rewrite must not land after a newer one, or
  // bring host.json back after release.
  let queue: Promise<void> = Promise.resolve();
  const serial = (step: () => Promise<void>) => (queue = queue.then(step, step));
  // Updates that arrive while a write is under way are folded into one write of the latest:
  // a host starting or stopping thousands of services would otherwise rewrite the whole
  // record once per process, each time a little longer.
  let latest: Record<string, ServiceProcessRecord> = {};
  let nextWrite: Promise<void> | undefined;
  return {
    file,
    ...(stale ? { stale } : {}),
    updateServices(services) {
      latest = services;
      nextWrite ??= serial(async () => {
        nextWrite = undefined;
        if (released) return;
        record.services = latest;
        await writeFileAtomic(file, serialize(record));
      });
      return nextWrite;
    },
    release() {
      return serial(async () => {
        if (released) return;
        released = true;
        const current = await readRecordText(file);
        if (current?.record?.runId === record.runId && current.record.pid === record.pid) {
          await rm(file, { force: true });
        }
      });
    },
  };
}

/**
 * Creates `file` with `content` only if it does not exist, and never visible half-written:
 * the content goes to a temp file that is then hard-linked to the name (link fails if the
 * name exists). A plain `wx` open would let a concurrent reader see an empty file and take
 * it for a corrupt, stale one.
 */
async function createExclusive(file: string, content: string): Promise<boolean> {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeSynced(temp, content);
    await link(temp, file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "ENOSYS") {
      throw error;
    }
    // No hard links on this filesystem: fall back to a plain exclusive create.
    return writeFile(file, content, { flag: "wx", mode: 0o600 }).then(
      () => true,
      (e: NodeJS.ErrnoException) => (e.code === "EEXIST" ? false : Promise.reject(e)),
    );
  } finally {
    await rm(temp, { force: true });
  }
}

async function writeSynced(file: string, content: string): Promise<void> {
  const handle = await open(file, "wx", 0o600);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Replaces a stale `host.json`, under a short-lived `host.json.takeover` lock so that two
 * hosts that both found it stale cannot both replace it: the one that gets the takeover
 * lock checks the file is still the stale one it read, then renames its own record over it
 * (so `host.json` never disappears, and nobody can slip in meanwhile).
 */
async function replaceStale(
  file: string,
  staleText: string,
  content: string,
  owner: ProcessIdentity,
): Promise<boolean> {
  const takeover = `${file}.takeover`;
  const ownerText = JSON.stringify({ pid: owner.pid, startTime: owner.startTime });
  if (!(await createExclusive(takeover, ownerText))) {
    await clearAbandonedTakeover(takeover);
    return false;
  }
  try {
    if ((await readRecordText(file))?.text !== staleText) return false;
    await writeFileAtomic(file, content);
  } finally {
    await rm(takeover, { force: true });
  }
  // Belt and braces against the one race left (see clearAbandonedTakeover).
  return (await readRecordText(file))?.text === content;
}

/**
 * A host that died inside `replaceStale` (a few milliseconds) would block every later run:
 * remove its takeover lock once its owner is gone. Two hosts doing this at the same moment
 * could both proceed; the check after the rename catches all but a vanishing window.
 */
async function clearAbandonedTakeover(takeover: string): Promise<void> {
  const text = await readFile(takeover, "utf8").catch(() => undefined);
  if (text === undefined) return;
  const owner = parseJson(text) as Partial<ProcessIdentity> | undefined;
  const known = isPid(owner?.pid) && typeof owner?.startTime === "string";
  if (known ? !isSameProcess(owner as ProcessIdentity) : !(await youngerThan(takeover, 2000))) {
    await rm(takeover, { force: true });
  }
}

async function readRecordText(
  file: string,
): Promise<{ text: string; record: HostRecord | undefined } | undefined> {
  try {
    const text = await readFile(file, "utf8");
    return { text, record: asRecord(parseJson(text)) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

function asRecord(value: unknown): HostRecord | undefined {
  const r = value as Partial<HostRecord> | undefined;
  if (!r || !isPid(r.pid) || typeof r.startTime !== "string" || typeof r.runId !== "string") {
    return undefined;
  }
  return {
    ...r,
    services: typeof r.services === "object" && r.services ? r.services : {},
  } as HostRecord;
}

function alreadyRunning(holder: HostRecord, us: HostInfo): BerthError {
  const facts = [`PID ${holder.pid}`];
  if (holder.appHostPath && holder.appHostPath !== us.appHostPath)
    facts.push(`config ${holder.appHostPath}`);
  const started = Date.parse(holder.startedAt);
  if (!Number.isNaN(started)) facts.push(`started ${ago(Date.now() - started)}`);
  return new BerthError(
    "ALREADY_RUNNING",
    `berth is already running this project (${facts.join(", ")}). ` +
      // It may run in the background, with no terminal to press Ctrl-C in.
      `\`berth stop\` stops it; \`berth logs\` shows its output and \`berth ps\` its services.`,
  );
}

/** "just now", "12 s ago", "3 min ago", "2 h ago", "4 days ago". */
export function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 2) return "just now";
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  const days = Math.floor(s / 86400);
  return `${days} day${days === 1 ? "" : "s"} ago`;
}

async function youngerThan(file: string, ms: number): Promise<boolean> {
  const info = await stat(file).catch(() => undefined);
  return info !== undefined && Date.now() - info.mtimeMs < ms;
}

function serialize(record: HostRecord): string {
  return `${JSON.stringify(record, null, 2)}\n`;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
