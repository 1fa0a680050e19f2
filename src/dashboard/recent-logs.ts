import type { Masks } from "../control/mask.js";
import type { LogEntry } from "../control/protocol.js";
import type { ControlTarget } from "../control/target.js";
import { lastLines } from "../supervisor/logs/log-files.js";

/** A line as the page gets it; lines read back from a log file carry no time or stream. */
export interface PageLogLine {
  service: string;
  time: number | null;
  stream: LogEntry["stream"] | null;
  text: string;
}

/** The most lines one request may ask for. */
export const MAX_TAIL = 100_000;

/**
 * The last `tail` lines of one service, or of every service merged by time. The host's
 * ring keeps the recent lines of each service with their time; for one service, older
 * lines (written while no page was open, beyond what the ring keeps) come from its log
 * file, found by lining the file's end up with the ring.
 */
export function recentLogs(options: {
  target: ControlTarget;
  masks: Masks;
  /** The log file of a service, if it has one. */
  logFile: (service: string) => string | undefined;
  service: string | undefined;
  tail: number;
}): PageLogLine[] {
  const { target, masks, service, tail } = options;
  const ring: PageLogLine[] = target.logs(service, tail).map((line) => ({
    ...line,
    text: masks.text(line.text),
  }));
  const file = service === undefined ? undefined : options.logFile(service);
  if (service === undefined || file === undefined || ring.length >= tail) return ring;
  const fromFile = lastLines(file, tail + ring.length);
  const older = before(
    fromFile,
    ring.map((line) => line.text),
  );
  if (older === undefined) return ring;
  const lines = older.map((text) => ({
    service,
    time: null,
    stream: null,
    text: masks.text(text),
  }));
  return [...lines, ...ring].slice(-tail);
}

/**
 * The file's lines before the ones the ring holds: where the ring's lines end the file,
 * with berth's own lines (`--- starting: …`, in the file only) between them. Undefined when
 * they cannot be lined up (the file was rotated or cut meanwhile): then the ring alone is
 * told, rather than lines twice or out of order.
 */
function before(file: string[], ring: string[]): string[] | undefined {
  // A line still being written is in the file only: allow a few lines after the ring's end.
  for (let end = file.length; end >= Math.max(0, file.length - 4); end--) {
    let at = end;
    let left = ring.length;
    while (left > 0 && at > 0) {
      if (file[at - 1] === ring[left - 1]) left--;
      else if (!file[at - 1]!.startsWith("--- ")) break;
      at--;
    }
    if (left === 0) return file.slice(0, at);
  }
  return undefined;
}
