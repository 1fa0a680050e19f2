import { existsSync, mkdirSync, watch as fsWatch, type FSWatcher } from "node:fs";
import { systemClock, type Clock } from "../clock.js";
import { parseSocketName } from "../control/address.js";

/**
 * Keeps up with the runtime dirs: a file-system watch makes a new socket known within
 * milliseconds; where a folder cannot be watched (it does not exist, or the platform or
 * file system offers no watch) it is polled instead, and every folder is rescanned now and
 * then anyway, because watches can miss events (overflowing queues, network file systems).
 */

export interface WatchOptions {
  clock?: Clock;
  /** Scan interval while some folder cannot be watched (default 1 s). */
  pollMs?: number;
  /** Scan interval while every folder is watched (default 2 s). */
  rescanMs?: number;
  /** Folders to create (mode 0700) when missing, so they can be watched. */
  create?: string[];
  /** Replaces `fs.watch` (tests use it to make watching unavailable). */
  watch?: (dir: string, listener: (event: string, filename: string | null) => void) => FSWatcher;
  log?: (message: string) => void;
}

/** A running watch; `close()` stops everything it started. */
export interface DirWatcher {
  /** Folders currently watched (the others are polled). */
  watched(): string[];
  close(): void;
}

export const DEFAULT_POLL_MS = 1000;
export const DEFAULT_RESCAN_MS = 2000;

/**
 * Calls `onChange` whenever a host's socket or sidecar may have appeared or gone in one of
 * `dirs`, and on every poll/rescan tick. Calls are not debounced: the caller coalesces.
 *
 * @example
 * const watcher = watchDirs(scanDirs(), () => monitor.rescan(), { create: [runtimeDir()] });
 * watcher.close();
 */
export function watchDirs(
  dirs: string[],
  onChange: () => void,
  options: WatchOptions = {},
): DirWatcher {
  const clock = options.clock ?? systemClock;
  const watch = options.watch ?? ((dir, listener) => fsWatch(dir, listener));
  const watchers = new Map<string, FSWatcher>();
  let closed = false;
  let cancelTick = () => {};

  const tryWatch = (dir: string): void => {
    if (options.create?.includes(dir)) {
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
      } catch {
        // watching below fails too, and the folder is polled
      }
    }
    try {
      const watcher = watch(dir, (_event, filename) => {
        // Only names a host could use matter; a null name means "something changed".
        if (filename === null || parseSocketName(String(filename))) onChange();
      });
      watcher.on("error", () => unwatch(dir));
      watchers.set(dir, watcher);
    } catch {
      // ENOENT, or no watch on this platform/file system: polled by the tick below
    }
  };

  const unwatch = (dir: string): void => {
    watchers.get(dir)?.close();
    watchers.delete(dir);
    options.log?.(
      `stopped watching ${dir}; polling it every ${options.pollMs ?? DEFAULT_POLL_MS} ms`,
    );
    // Whatever happened to the folder (deleted, unmounted) may have taken hosts with it.
    onChange();
  };

  const schedule = (): void => {
    if (closed) return;
    const polling = watchers.size < dirs.length;
    const ms = polling
      ? (options.pollMs ?? DEFAULT_POLL_MS)
      : (options.rescanMs ?? DEFAULT_RESCAN_MS);
    cancelTick = clock.setTimeout(() => {
      // A watch on a folder that was deleted stays silent (inotify): watch it afresh.
      for (const dir of watchers.keys()) if (!existsSync(dir)) unwatch(dir);
      for (const dir of dirs) if (!watchers.has(dir)) tryWatch(dir);
      onChange();
      schedule();
    }, ms);
  };

  for (const dir of dirs) tryWatch(dir);
  schedule();
  return {
    watched: () => [...watchers.keys()],
    close() {
      closed = true;
      cancelTick();
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}
