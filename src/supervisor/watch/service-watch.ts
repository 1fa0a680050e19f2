/**
 * One service's watch: its files' changes, debounced into bursts, each burst one restart.
 * Restarts never overlap: changes seen during one make the next.
 */
import type { Clock } from "../../clock.js";
import type { WatchSpec } from "../../model/app.js";
import { watchFiles, type FileWatcher } from "./file-watcher.js";

export interface ServiceWatchOptions {
  spec: WatchSpec;
  clock: Clock;
  /** Restarts the service for these changed files (relative to the root, first seen first). */
  restart: (files: string[]) => Promise<void>;
  /** The watch could not start, or failed while running. */
  onError: (error: Error) => void;
}

/**
 * Starts watching at once (the files are scanned in the background); `ready` resolves when
 * changes are seen, `close()` stops it for good.
 */
export class ServiceWatch {
  /** Resolves once changes are being watched (or the watch failed to start). */
  readonly ready: Promise<void>;
  private readonly changed = new Set<string>();
  private cancelTimer?: () => void;
  private restarting?: Promise<void>;
  private closed = false;
  private readonly watcher: Promise<FileWatcher | undefined>;

  constructor(private readonly options: ServiceWatchOptions) {
    this.watcher = watchFiles(options.spec, {
      onChange: (file) => this.onChange(file),
      onError: (error) => options.onError(error),
    }).catch((error: unknown) => {
      options.onError(error instanceof Error ? error : new Error(String(error)));
      return undefined;
    });
    this.ready = this.watcher.then(() => undefined);
  }

  /** Stops watching and drops changes not yet acted on; a restart under way is not waited for. */
  async close(): Promise<void> {
    this.closed = true;
    this.cancelTimer?.();
    this.changed.clear();
    await (await this.watcher)?.close();
  }

  private onChange(file: string): void {
    if (this.closed) return;
    this.changed.add(file);
    // Trailing debounce: the burst ends after a quiet `debounceMs`.
    this.cancelTimer?.();
    this.cancelTimer = this.options.clock.setTimeout(() => {
      this.cancelTimer = undefined;
      this.flush();
    }, this.options.spec.debounceMs);
  }

  private flush(): void {
    if (this.closed || this.restarting || this.changed.size === 0) return;
    const files = [...this.changed];
    this.changed.clear();
    this.restarting = this.options
      .restart(files)
      .catch((error: unknown) => this.options.onError(error as Error))
      .finally(() => {
        this.restarting = undefined;
        // Changes made while it restarted, whose quiet time is already over.
        if (this.cancelTimer === undefined) this.flush();
      });
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
