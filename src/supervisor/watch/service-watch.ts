/** One service's watch: its files' changes, in debounced batches, each batch one restart. */
import type { Clock } from "../../clock.js";
import type { WatchSpec } from "../../model/app.js";
import { ChangeBatches } from "./change-batches.js";
import { watchFiles, type FileWatcher } from "./file-watcher.js";

export interface ServiceWatchOptions {
  spec: WatchSpec;
  clock: Clock;
  /** Restarts the service for these changed files (relative to the root, first seen first). */
  restart: (files: string[]) => Promise<void>;
  /** The watch could not start, failed while running, or a restart failed. */
  onError: (error: Error) => void;
}

/**
 * Starts watching at once (the files are scanned in the background); `ready` resolves once
 * changes are seen, `close()` stops it for good.
 */
export class ServiceWatch {
  /** Resolves once changes are being watched (or the watch failed to start). */
  readonly ready: Promise<void>;
  private readonly batches: ChangeBatches;
  private readonly watcher: Promise<FileWatcher | undefined>;
  private failed = false;

  constructor(options: ServiceWatchOptions) {
    this.batches = new ChangeBatches({
      clock: options.clock,
      quietMs: options.spec.debounceMs,
      act: options.restart,
      onError: options.onError,
    });
    this.watcher = watchFiles(options.spec, {
      onChange: (file) => this.batches.add(file),
      onError: options.onError,
    }).catch((error: unknown) => {
      this.failed = true;
      options.onError(error instanceof Error ? error : new Error(String(error)));
      return undefined;
    });
    this.ready = this.watcher.then(() => undefined);
  }

  /** False once the watch could not start: no change will ever come from it. */
  get active(): boolean {
    return !this.failed;
  }

  /** Stops watching and drops changes not yet acted on; a restart under way is not waited for. */
  async close(): Promise<void> {
    this.batches.close();
    await (await this.watcher)?.close();
  }
}

/**
 * The changed files in words.
 *
 * @example changedText(["src/a.ts"]) // "src/a.ts changed"
 * @example changedText(["src/a.ts", "src/b.ts", "src/c.ts"]) // "src/a.ts and 2 other files changed"
 */
export function changedText(files: readonly string[]): string {
  const others = files.length - 1;
  if (others <= 0) return `${files[0]} changed`;
  return `${files[0]} and ${others === 1 ? "1 other file" : `${others} other files`} changed`;
}
