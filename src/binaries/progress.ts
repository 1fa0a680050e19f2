import { systemClock, type Clock } from "../clock.js";
import { formatBytes } from "./bytes.js";

/** Told about every chunk of a download. */
export interface Progress {
  /** `bytes` received so far. */
  update(bytes: number): void;
  /** Clears the bar; the caller prints its own summary line. */
  done(): void;
}

const silent: Progress = { update() {}, done() {} };

/** Redraws at most this often: a bar redrawn per chunk would cost more than the download. */
const INTERVAL_MS = 100;

/**
 * A one-line progress bar on `stream` (`bytes / total`), or nothing when `stream` is not a
 * terminal: a log file or CI output would only collect carriage returns.
 *
 * @example
 * const bar = progressBar(process.stderr, "mytool 1.2.0", 27_100_000);
 * bar.update(12_300_000); // mytool 1.2.0  [#######.........]  45%  12.3 MB / 27.1 MB
 */
export function progressBar(
  stream: NodeJS.WriteStream | undefined,
  label: string,
  total: number | undefined,
  clock: Clock = systemClock,
): Progress {
  if (!stream?.isTTY) return silent;
  let last = -Infinity;
  let drawn = false;
  return {
    update(bytes) {
      const now = clock.now();
      if (now - last < INTERVAL_MS && bytes !== total) return;
      last = now;
      drawn = true;
      stream.write(`\r${progressLine(label, bytes, total, stream.columns || 80)}\x1b[K`);
    },
    done() {
      if (drawn) stream.write("\r\x1b[K");
    },
  };
}

/** The bar's text, cut to `columns` (exported for tests). */
export function progressLine(
  label: string,
  bytes: number,
  total: number | undefined,
  columns: number,
): string {
  if (!total) return `${label}  ${formatBytes(bytes)}`.slice(0, columns - 1);
  const share = Math.min(1, bytes / total);
  const figures = `${String(Math.floor(share * 100)).padStart(3)}%  ${formatBytes(bytes)} / ${formatBytes(total)}`;
  const width = Math.max(0, Math.min(30, columns - label.length - figures.length - 8));
  const filled = Math.round(share * width);
  const bar = width > 0 ? `  [${"#".repeat(filled)}${".".repeat(width - filled)}]` : "";
  return `${label}${bar}  ${figures}`.slice(0, columns - 1);
}
