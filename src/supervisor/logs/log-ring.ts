import type { LogLine, LogStream } from "../events.js";
import { DEFAULT_MAX_LINE_LENGTH, decodeLines } from "./line-splitter.js";

/**
 * The last lines of one service, kept in memory for later readers (`berth logs`, the last
 * lines shown when a service fails). Bounded twice: by a number of lines and by bytes, so a
 * service writing huge lines cannot grow it either.
 *
 * It keeps raw output in one fixed buffer, written round and round, plus one small record per
 * chunk of output (where its bytes are, how many lines they make). Nothing the pipe handed
 * over is held past the current turn: under a flood of output, chunks that outlived a
 * garbage collection would be promoted and then wait for a full collection, costing tens of
 * MB. Lines are decoded only when someone reads them, with the line splitter's own rules.
 */

/** Options of {@link createLogRing}. */
export interface LogRingOptions {
  /** Most lines kept (default 1000). */
  maxLines?: number;
  /**
   * Bytes of output kept (default 1 MiB); allocated on the first push. Raised to four times
   * `maxLineLength` if lower, so the longest line always fits.
   */
  maxBytes?: number;
  /** The line-length cap the output was split with (default 64 KiB). */
  maxLineLength?: number;
}

export interface LogRing {
  /**
   * Adds one chunk of output of one stream, all stamped `time`: the raw bytes of
   * `lineCount` lines, as the line splitter hands them over (see `LinesHandler`). `raw` is
   * kept until the end of the event loop turn, then copied if its lines are still kept; it
   * must not change until then.
   */
  push(raw: readonly Buffer[], lineCount: number, stream: LogStream, time: number): void;
  /** The last `n` lines (all by default), oldest first. */
  tail(n?: number): LogLine[];
  /** Lines currently kept. */
  readonly size: number;
  /** Bytes of output currently kept. */
  readonly bytes: number;
}

export const DEFAULT_RING_LINES = 1000;
export const DEFAULT_RING_BYTES = 1024 * 1024;

interface Chunk {
  /** Position of its first byte, counted over everything ever written. */
  start: number;
  /** Its bytes, until they are copied into the ring at the end of the turn. */
  raw: readonly Buffer[] | undefined;
  length: number;
  /** Lines in the chunk. */
  lines: number;
  /** Leading lines already evicted (the line limit can fall inside a chunk). */
  skip: number;
  stream: LogStream;
  time: number;
}

const LF = 0x0a;

/**
 * Creates a ring.
 *
 * @example
 * const ring = createLogRing({ maxLines: 200 });
 * ring.push([Buffer.from("listening on 3000\n")], 1, "stdout", Date.now());
 * ring.tail(1); // [{ time, stream: "stdout", text: "listening on 3000" }]
 */
export function createLogRing(options: LogRingOptions = {}): LogRing {
  const maxLines = Math.max(1, options.maxLines ?? DEFAULT_RING_LINES);
  const maxLineLength = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
  // Room for any long line: one of maxLineLength characters takes at most 3 bytes each, and
  // an unfinished line is cut at maxLineLength bytes, plus the chunk that ends it.
  const capacity = Math.max(options.maxBytes ?? DEFAULT_RING_BYTES, 4 * maxLineLength + 4);
  let buffer: Buffer | undefined;
  let written = 0; // bytes ever written; the next byte goes to written % capacity
  let chunks: Chunk[] = [];
  let head = 0; // index of the oldest chunk in `chunks`
  let count = 0;

  const dropOldest = (): void => {
    const oldest = chunks[head]!;
    count -= oldest.lines - oldest.skip;
    oldest.raw = undefined;
    chunks[head++] = undefined as unknown as Chunk;
    // Compact now and then, so the array does not grow with every chunk ever pushed.
    if (head > 64 && head * 2 > chunks.length) {
      chunks = chunks.slice(head);
      head = 0;
    }
  };

  // A chunk's bytes are copied in at the end of the event loop turn, once the chunks read in
  // the same turn have evicted it or not: in a flood, most chunks never need the copy.
  let uncopied: Chunk[] = [];
  const copyPending = (): void => {
    for (const chunk of uncopied) {
      const raw = chunk.raw;
      if (raw === undefined) continue; // evicted before its turn ended
      chunk.raw = undefined;
      buffer ??= Buffer.allocUnsafeSlow(capacity);
      let at = chunk.start;
      for (const part of raw) {
        let from = 0;
        while (from < part.length) {
          const offset = at % capacity;
          const end = from + Math.min(part.length - from, capacity - offset);
          part.copy(buffer, offset, from, end);
          at += end - from;
          from = end;
        }
      }
    }
    uncopied = [];
  };

  const bytesOf = (chunk: Chunk): Buffer => {
    const at = chunk.start % capacity;
    if (at + chunk.length <= capacity) return buffer!.subarray(at, at + chunk.length);
    const wrapped = chunk.length - (capacity - at);
    return Buffer.concat([buffer!.subarray(at), buffer!.subarray(0, wrapped)]);
  };

  return {
    push(raw, lineCount, stream, time) {
      if (lineCount <= 0) return;
      let length = 0;
      for (const part of raw) length += part.length;
      if (length > capacity) {
        // Rare (a chunk larger than the whole ring): keep the lines that fit.
        const all = Buffer.concat(raw);
        const kept = all.subarray(all.indexOf(LF, all.length - capacity - 1) + 1);
        if (kept.length === 0) return;
        raw = [kept];
        length = kept.length;
        lineCount = decodeLines(raw, maxLineLength).length;
      }
      const chunk: Chunk = { start: written, raw, length, lines: lineCount, skip: 0, stream, time };
      written += length;
      chunks.push(chunk);
      count += lineCount;
      if (uncopied.push(chunk) === 1) setImmediate(copyPending);
      // Chunks whose bytes were just written over go first.
      while (chunks[head]!.start < written - capacity) dropOldest();
      while (count > maxLines) {
        const oldest = chunks[head]!;
        const excess = count - maxLines;
        if (excess >= oldest.lines - oldest.skip) {
          dropOldest();
        } else {
          oldest.skip += excess;
          count -= excess;
        }
      }
    },
    tail(n = count) {
      copyPending();
      let wanted = Math.max(0, Math.min(n, count));
      const out: LogLine[] = [];
      // Newest chunks first, decoding only as many as the answer needs.
      for (let c = chunks.length - 1; c >= head && wanted > 0; c--) {
        const chunk = chunks[c]!;
        const lines = decodeLines([bytesOf(chunk)], maxLineLength);
        const from = Math.max(chunk.skip, lines.length - wanted);
        for (let i = lines.length - 1; i >= from; i--) {
          out.push({ time: chunk.time, stream: chunk.stream, text: lines[i]! });
        }
        wanted -= lines.length - from;
      }
      return out.reverse();
    },
    get size() {
      return count;
    },
    get bytes() {
      return head < chunks.length ? written - chunks[head]!.start : 0;
    },
  };
}
