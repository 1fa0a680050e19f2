/**
 * Changes, debounced into batches: a batch ends after a quiet time with no change, and is
 * handed over only when the previous one has been acted on, so restarts never overlap.
 */
import type { Clock } from "../../clock.js";

export interface ChangeBatchesOptions {
  clock: Clock;
  /** Quiet time after the last change before a batch is handed over. */
  quietMs: number;
  /** Acts on one batch (files, first seen first); the next waits for its promise. */
  act: (files: string[]) => Promise<void>;
  /** `act` failed. */
  onError: (error: Error) => void;
}

/**
 * @example
 * const batches = new ChangeBatches({ clock, quietMs: 300, act: restart, onError: warn });
 * batches.add("src/a.ts"); batches.add("src/b.ts"); // one restart, 300 ms after b
 */
export class ChangeBatches {
  private readonly pending = new Set<string>();
  private cancelTimer?: () => void;
  private acting?: Promise<void>;
  private closed = false;

  constructor(private readonly options: ChangeBatchesOptions) {}

  add(file: string): void {
    if (this.closed) return;
    this.pending.add(file);
    this.cancelTimer?.();
    this.cancelTimer = this.options.clock.setTimeout(() => {
      this.cancelTimer = undefined;
      this.flush();
    }, this.options.quietMs);
  }

  /** Drops what is pending; a batch being acted on is not waited for. */
  close(): void {
    this.closed = true;
    this.cancelTimer?.();
    this.pending.clear();
  }

  private flush(): void {
    if (this.closed || this.acting || this.pending.size === 0) return;
    const files = [...this.pending];
    this.pending.clear();
    this.acting = this.options
      .act(files)
      .catch((error: unknown) =>
        this.options.onError(error instanceof Error ? error : new Error(String(error))),
      )
      .finally(() => {
        this.acting = undefined;
        // Changes made meanwhile whose quiet time is already over.
        if (this.cancelTimer === undefined) this.flush();
      });
  }
}
