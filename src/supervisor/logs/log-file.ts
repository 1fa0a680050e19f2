import {
  closeSync,
  copyFileSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
  writevSync,
} from "node:fs";
import { dirname } from "node:path";

/**
 * A service's log file, rotated by size: `<file>` is current, `<file>.1` the one before, up
 * to `<file>.<keep>`. Appends are synchronous writes on an open fd, gathered per event loop
 * turn (at most 1 MiB): nothing queues beyond that, so a fast service cannot grow berth's
 * memory through its log file.
 */

/** Options of {@link openLogFile}. */
export interface LogFileOptions {
  /** Size at which the file is rotated (default 10 MiB). */
  maxBytes?: number;
  /** Rotated files kept (default 3); 0 keeps none (the file restarts empty). */
  keep?: number;
  /**
   * Told about a failure to write (full disk, no permission): once, then again only after
   * writing has worked in between. Writes fail quietly instead of throwing.
   */
  onError?: (error: Error) => void;
  /** Time between attempts to reopen a file that could not be opened (default 1000 ms). */
  retryMs?: number;
  /**
   * Rotate by copying the file to `<file>.1` and emptying it in place, instead of renaming
   * it: for a file that other descriptors append to as well (a detached host's stdout and
   * stderr are its `host.log`), which would otherwise keep writing into the rotated copy.
   */
  rotateInPlace?: boolean;
}

export interface LogFile {
  readonly path: string;
  /**
   * Appends text (as UTF-8) or bytes, possibly in pieces; rotates first if they would
   * overflow the file. The bytes go out at the end of the current event loop turn (or at
   * once past 1 MiB), together with the other writes of the turn; they must not change
   * until then.
   */
  write(data: string | Buffer | readonly Buffer[]): void;
  /** Writes out what is waiting for the end of the turn, now. */
  flush(): void;
  /** Writes out what is waiting and closes the file; later writes are ignored. */
  close(): void;
}

/**
 * Log files open at once, across every service of the host. A file is opened when it is
 * first written to, and the one written least recently is closed (and opened again when it
 * is next written) past this: a host with thousands of services would otherwise hold a
 * descriptor per service, and run out of them (EMFILE) while spawning.
 */
export const MAX_OPEN_LOG_FILES = 256;
/** Close functions of the open log files, the least recently written first. */
const openFiles = new Set<() => void>();

function touchOpen(closeFile: () => void): void {
  openFiles.delete(closeFile);
  openFiles.add(closeFile);
  for (const oldest of openFiles) {
    if (openFiles.size <= MAX_OPEN_LOG_FILES) break;
    oldest();
  }
}

/** Log files open right now (for tests). */
export function openLogFileCount(): number {
  return openFiles.size;
}

export const DEFAULT_LOG_FILE_BYTES = 10 * 1024 * 1024;
export const DEFAULT_LOG_FILE_KEEP = 3;
const FLUSH_BYTES = 1024 * 1024;

/**
 * A size-rotated log file for appending, opened (creating its folder) when first written to,
 * and closed meanwhile when many are open (see `MAX_OPEN_LOG_FILES`). The file and the
 * folder it creates are private to the user (0600, 0700): service output can hold anything.
 * Never throws: a disk error is reported through `onError` and the data is dropped, because
 * a full disk must not take the app host down.
 *
 * @example
 * const log = openLogFile(".berth/logs/api.log", { onError: (e) => warn(e.message) });
 * log.write("--- started pid 123 ---\n");
 */
export function openLogFile(path: string, options: LogFileOptions = {}): LogFile {
  const maxBytes = Math.max(1, options.maxBytes ?? DEFAULT_LOG_FILE_BYTES);
  const keep = Math.max(0, options.keep ?? DEFAULT_LOG_FILE_KEEP);
  const retryMs = options.retryMs ?? 1000;
  let fd = -1;
  let size = 0;
  let closed = false;
  let reported = false;
  let retryAt = 0;

  const release = (): void => {
    openFiles.delete(release);
    if (fd >= 0) closeQuietly(fd);
    fd = -1;
  };

  const fail = (error: unknown): void => {
    release();
    retryAt = Date.now() + retryMs;
    if (reported) return;
    reported = true;
    options.onError?.(error instanceof Error ? error : new Error(String(error)));
  };

  // "w" truncates: how a file with no rotated copies to keep starts over.
  const open = (flags: "a" | "w" = "a"): boolean => {
    if (Date.now() < retryAt) return false;
    try {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      fd = openSync(path, flags, 0o600);
      size = fstatSync(fd).size;
      touchOpen(release);
      return true;
    } catch (error) {
      fail(error);
      return false;
    }
  };

  const rotate = (): boolean => {
    if (options.rotateInPlace) return rotateInPlace();
    release();
    if (keep === 0) return open("w");
    // Delete the oldest first so no rename replaces a file: ext4 flushes a file renamed over
    // another one to disk at once (auto_da_alloc), which stalls a fast writer's log.
    rmSync(`${path}.${keep}`, { force: true });
    for (let i = keep - 1; i >= 1; i--) renameIfExists(`${path}.${i}`, `${path}.${i + 1}`);
    renameIfExists(path, `${path}.1`);
    return open();
  };

  // Other writers append too (O_APPEND), so after the truncation they write at its new end.
  // What they write between the copy and the truncation is lost: a rare line, not a file.
  const rotateInPlace = (): boolean => {
    try {
      if (keep > 0) {
        rmSync(`${path}.${keep}`, { force: true });
        for (let i = keep - 1; i >= 1; i--) renameIfExists(`${path}.${i}`, `${path}.${i + 1}`);
        copyFileSync(path, `${path}.1`);
      }
      ftruncateSync(fd, 0);
      size = 0;
      return true;
    } catch (error) {
      fail(error);
      return false;
    }
  };

  // Writes wait for the end of the event loop turn, so the chunks read in one turn go out in
  // one writev: a flood of output costs a few large appends instead of many small ones.
  let queue: { parts: readonly Buffer[]; length: number }[] = [];
  let queued = 0;
  let scheduled = false;

  const flush = (): void => {
    if (queued === 0) return;
    const writes = queue;
    queue = [];
    queued = 0;
    if (fd < 0 && !open()) return;
    touchOpen(release);
    try {
      let batch: Buffer[] = [];
      let batchLength = 0;
      for (const { parts, length } of writes) {
        // Rotate between two writes, never inside one: a write holds whole lines.
        if (size + batchLength > 0 && size + batchLength + length > maxBytes) {
          if (batchLength > 0) writeAll(fd, batch, batchLength);
          size += batchLength;
          batch = [];
          batchLength = 0;
          if (!rotate()) return;
        }
        batch.push(...parts);
        batchLength += length;
      }
      if (batchLength > 0) writeAll(fd, batch, batchLength);
      size += batchLength;
      reported = false;
    } catch (error) {
      fail(error);
    }
  };

  return {
    path,
    write(data) {
      if (closed) return;
      const parts =
        typeof data === "string" ? [Buffer.from(data)] : Buffer.isBuffer(data) ? [data] : data;
      let length = 0;
      for (const part of parts) length += part.length;
      if (length === 0) return;
      queue.push({ parts, length });
      queued += length;
      if (queued >= FLUSH_BYTES) {
        flush();
      } else if (!scheduled) {
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          flush();
        });
      }
    },
    flush,
    close() {
      if (closed) return;
      flush();
      closed = true;
      release();
    },
  };
}

/** Writes every byte: one writev, then plain writes for whatever a short write left. */
function writeAll(fd: number, parts: readonly Buffer[], length: number): void {
  let written = writevSync(fd, parts as Buffer[]);
  if (written === length) return;
  for (const part of parts) {
    if (written >= part.length) {
      written -= part.length;
      continue;
    }
    let offset = written;
    written = 0;
    while (offset < part.length) offset += writeSync(fd, part, offset);
  }
}

function renameIfExists(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed or invalid: nothing left to release
  }
}
