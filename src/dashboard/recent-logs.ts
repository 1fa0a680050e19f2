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
 * ring keeps the recent lines of each service with their time; older lines (written while
 * no page was open, beyond what the ring keeps) come from each service's log file, found
 * by lining the file's end up with the ring.
 */
export function recentLogs(options: {
  target: ControlTarget;
  masks: Masks;
  /** The log file of a service, if it has one. */
  logFile: (service: string) => string | undefined;
  service: string | undefined;
  tail: number;
}): PageLogLine[] {
  if (options.service !== undefined) return serviceLogs({ ...options, service: options.service });
  // Each service's history is at most `tail` lines, so the whole is bounded by
  // services × tail before the merge keeps the last `tail`.
  const histories = options.target
    .services()
    .map((service) => serviceLogs({ ...options, service: service.name }));
  const merged = mergeByTime(histories);
  return options.tail === 0 ? [] : merged.slice(-options.tail);
}

/**
 * Services' histories merged into one, each service's lines kept in their order. A line
 * read back from a file has no time: it counts as just before its service's next timed
 * line, or before every timed line when its service has none (it was written before this
 * host started). Equal times keep the order of the services.
 */
export function mergeByTime(histories: PageLogLine[][]): PageLogLine[] {
  const keys = histories.map((lines) => {
    const key = new Array<number>(lines.length);
    let next = -Infinity;
    for (let i = lines.length - 1; i >= 0; i--) {
      next = lines[i]!.time ?? next;
      key[i] = next;
    }
    return key;
  });
  const at = histories.map(() => 0);
  const merged: PageLogLine[] = [];
  for (;;) {
    let pick = -1;
    for (let h = 0; h < histories.length; h++) {
      if (at[h]! >= histories[h]!.length) continue;
      if (pick === -1 || keys[h]![at[h]!]! < keys[pick]![at[pick]!]!) pick = h;
    }
    if (pick === -1) return merged;
    merged.push(histories[pick]![at[pick]!]!);
    at[pick]!++;
  }
}

function serviceLogs(options: {
  target: ControlTarget;
  masks: Masks;
  logFile: (service: string) => string | undefined;
  service: string;
  tail: number;
}): PageLogLine[] {
  const { target, masks, service, tail } = options;
  const ring: PageLogLine[] = target.logs(service, tail).map((line) => ({
    ...line,
    text: masks.text(line.text),
  }));
  const file = options.logFile(service);
  if (file === undefined || ring.length >= tail) return ring;
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
