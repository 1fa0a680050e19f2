/**
 * Turns a child's output, a stream of arbitrary Buffers, into complete lines. Work is done
 * per chunk, not per byte: one search for the last line end, one decode and one split per
 * chunk; only the unfinished tail is kept between chunks, and it is cut once it grows past
 * the line-length cap, so memory stays bounded whatever the child writes.
 */

/** Options of {@link createLineSplitter}. */
export interface LineSplitterOptions {
  /**
   * Longest line kept whole (default 64 KiB): counted in bytes while the line is still
   * unfinished, in characters once it is complete. A longer line is emitted in pieces no
   * longer than this, so one endless line cannot grow memory.
   */
  maxLineLength?: number;
}

/**
 * Receives complete lines, in order, without their line ends (`\n` or `\r\n`), and the raw
 * bytes they came from, ending with a line end — ready to append to a log file without
 * re-encoding, or to keep and decode again later with {@link decodeLines}. (A piece of an
 * over-long line that is still unterminated gets a `\n` added.) Neither is changed after the
 * call, so both may be kept.
 */
export type LinesHandler = (lines: string[], raw: readonly Buffer[]) => void;

export interface LineSplitter {
  /** Adds output; calls the handler once if the chunk completes at least one line. */
  push(chunk: Buffer): void;
  /** Emits the unterminated last line, if any (call at end of stream). */
  flush(): void;
}

export const DEFAULT_MAX_LINE_LENGTH = 64 * 1024;

const LF = 0x0a;
const CR = 0x0d;
const NEWLINE = Buffer.from("\n");

/**
 * Creates a line splitter. UTF-8 characters split across chunks are safe because only
 * complete lines are decoded (a `\n` byte never occurs inside a multi-byte character).
 *
 * @example
 * const splitter = createLineSplitter((lines) => console.log(lines));
 * child.stdout.on("data", (chunk) => splitter.push(chunk));
 * child.stdout.on("end", () => splitter.flush());
 */
export function createLineSplitter(
  onLines: LinesHandler,
  options: LineSplitterOptions = {},
): LineSplitter {
  const max = Math.max(4, options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH);
  // The unfinished line: the tails of earlier chunks, not yet decoded.
  let pending: Buffer[] = [];
  let pendingBytes = 0;

  const takePending = (): Buffer[] => {
    const taken = pending;
    pending = [];
    pendingBytes = 0;
    return taken;
  };

  const emitComplete = (head: Buffer): void => {
    const raw = pendingBytes > 0 ? [...takePending(), head] : [head];
    onLines(decodeLines(raw, max), raw);
  };

  // An unterminated line past the cap: emit whole pieces, cut on character boundaries.
  const cutPending = (): void => {
    let rest = Buffer.concat(takePending());
    while (rest.length > max) {
      const cut = characterBoundary(rest, max);
      const raw = [rest.subarray(0, cut), NEWLINE];
      onLines(decodeLines(raw, max), raw);
      rest = rest.subarray(cut);
    }
    if (rest.length > 0) {
      // Copy, so the remainder does not keep the whole over-long line alive.
      pending = [Buffer.from(rest)];
      pendingBytes = rest.length;
    }
  };

  return {
    push(chunk) {
      const last = chunk.lastIndexOf(LF);
      let rest = chunk;
      if (last >= 0) {
        emitComplete(chunk.subarray(0, last + 1));
        rest = chunk.subarray(last + 1);
      }
      if (rest.length === 0) return;
      pending.push(rest);
      pendingBytes += rest.length;
      if (pendingBytes > max) cutPending();
      // A child writing a byte at a time: keep the list of pieces short.
      else if (pending.length > 64) pending = [Buffer.concat(pending, pendingBytes)];
    },
    flush() {
      if (pendingBytes === 0) return;
      const raw = [...takePending(), NEWLINE];
      onLines(decodeLines(raw, max), raw);
    },
  };
}

/**
 * The lines held by raw output as the splitter hands it over: every part but the last holds
 * no `\n`, the last ends with one. Used again to decode stored output later, so it gives the
 * very same lines: without line ends, `\r\n` as a line end, cut at `maxLineLength`.
 */
export function decodeLines(
  raw: readonly Buffer[],
  maxLineLength = DEFAULT_MAX_LINE_LENGTH,
): string[] {
  const last = raw[raw.length - 1]!;
  const end = last.length - 1;
  let lines: string[];
  if (raw.length === 1) {
    lines = last.toString("utf8", 0, end).split("\n");
  } else {
    // Only the first line spans parts: decode it on its own, so the large last part is
    // decoded where it is, never copied into a new Buffer first.
    const firstEnd = last.indexOf(LF);
    const first = Buffer.concat([...raw.slice(0, -1), last.subarray(0, firstEnd)]).toString("utf8");
    lines = firstEnd === end ? [] : last.toString("utf8", firstEnd + 1, end).split("\n");
    lines.unshift(first);
  }
  if (raw.some((part) => part.includes(CR))) stripCarriageReturns(lines);
  return capLines(lines, Math.max(4, maxLineLength));
}

function stripCarriageReturns(lines: string[]): void {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.endsWith("\r")) lines[i] = line.slice(0, -1);
  }
}

/** Splits lines longer than `max` characters into pieces (rare: only when a chunk holds one). */
function capLines(lines: string[], max: number): string[] {
  let longest = 0;
  for (let i = 0; i < lines.length; i++) longest = Math.max(longest, lines[i]!.length);
  if (longest <= max) return lines;
  const out: string[] = [];
  for (const line of lines) {
    let start = 0;
    while (line.length - start > max) {
      let end = start + max;
      // Never separate the two halves of a surrogate pair.
      if (isHighSurrogate(line.charCodeAt(end - 1))) end--;
      out.push(line.slice(start, end));
      start = end;
    }
    out.push(start === 0 ? line : line.slice(start));
  }
  return out;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** The largest cut position ≤ `at` that does not fall inside a UTF-8 sequence. */
function characterBoundary(buffer: Buffer, at: number): number {
  let cut = at;
  // Continuation bytes look like 10xxxxxx; a sequence is at most 4 bytes long.
  while (cut > at - 3 && (buffer[cut]! & 0xc0) === 0x80) cut--;
  return cut;
}
