import type { Readable } from "node:stream";
import type { LogLine, LogStream } from "../events.js";
import { createLineSplitter, type LineSplitter } from "./line-splitter.js";
import { openLogFile, type LogFile } from "./log-file.js";
import { createLogRing, type LogRing } from "./log-ring.js";

/**
 * The log pipeline of one service: the child's pipes → complete lines → the service's log
 * file, its in-memory ring, and the supervisor (which turns them into `LogEvent`s). The pipes
 * are consumed in flowing mode and never paused: however slow a consumer downstream is, the
 * child is never blocked by berth. Everything downstream is bounded instead (the file writes
 * synchronously, the ring has fixed limits, the terminal drops lines when it falls behind).
 */

/** Options of {@link ServiceLog}. */
export interface ServiceLogOptions {
  /** The log file (`<project>/.berth/logs/<service>.log`); its folder is created. */
  file: string;
  /** Rotation size of the log file (default 10 MiB). */
  maxFileBytes?: number;
  /** Rotated log files kept (default 3). */
  keepFiles?: number;
  /** Lines kept in memory (default 1000). */
  ringLines?: number;
  /** Bytes of output kept in memory (default 1 MiB). */
  ringBytes?: number;
  /** Longest line kept whole (default 64 KiB); longer ones arrive in pieces. */
  maxLineLength?: number;
  /**
   * Called with each batch of complete lines (one per chunk of output), after they are in the
   * file and the ring.
   */
  onLines?: (stream: LogStream, lines: string[], time: number) => void;
  /** Told about a log file that cannot be written (once per failure); output keeps flowing. */
  onError?: (error: Error) => void;
  /** Wall clock for line times (default `Date.now`). */
  now?: () => number;
  /**
   * Applied to berth's own notes before they are written (it masks the instance secret in
   * a command line); the service's output is written as it came.
   */
  hide?: (text: string) => string;
}

/** How long `drain` waits for pipes still held open (a daemonised grandchild) by default. */
export const DEFAULT_DRAIN_MS = 2000;

interface Reader {
  splitter: LineSplitter;
  done: Promise<void>;
  finish(): void;
}

/**
 * The log pipeline of one service.
 *
 * @example
 * const log = new ServiceLog({
 *   file: service.logFile,
 *   onLines: (stream, lines, time) => emit({ type: "log", service: name, stream, lines, time }),
 * });
 * log.note(`--- started pid ${child.pid} ---`);
 * log.attach(child.stdout, "stdout");
 * log.attach(child.stderr, "stderr");
 * await log.drain(); // after the child exited: every line is in
 */
export class ServiceLog {
  private readonly file: LogFile;
  private readonly ring: LogRing;
  private readonly readers = new Set<Reader>();
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly options: ServiceLogOptions) {
    this.now = options.now ?? Date.now;
    this.file = openLogFile(options.file, {
      maxBytes: options.maxFileBytes,
      keep: options.keepFiles,
      onError: options.onError,
    });
    this.ring = createLogRing({
      maxLines: options.ringLines,
      maxBytes: options.ringBytes,
      maxLineLength: options.maxLineLength,
    });
  }

  /** Starts reading one of a child's pipes; call again for each (re)started process. */
  attach(stream: Readable, which: LogStream): void {
    if (this.closed) return;
    const splitter = createLineSplitter((lines, raw) => this.take(which, lines, raw), {
      maxLineLength: this.options.maxLineLength,
    });
    const onData = (chunk: Buffer | string): void => {
      splitter.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
    };
    let resolveDone = (): void => {};
    const reader: Reader = {
      splitter,
      done: new Promise<void>((resolve) => (resolveDone = resolve)),
      finish: () => {
        stream.off("data", onData);
        stream.off("end", reader.finish);
        stream.off("close", reader.finish);
        if (!this.readers.delete(reader)) return;
        splitter.flush();
        resolveDone();
      },
    };
    this.readers.add(reader);
    // A 'data' listener puts the pipe in flowing mode; nothing here ever pauses it.
    stream.on("data", onData);
    stream.once("end", reader.finish);
    // A destroyed pipe may close without 'end'; its last line still counts.
    stream.once("close", reader.finish);
    stream.on("error", (error) => this.options.onError?.(error));
  }

  /**
   * Resolves once every attached pipe has ended and its last line is out, in the file too —
   * or after `timeoutMs`, for a pipe that a process outside the group keeps open (its
   * unfinished line is then emitted, and later output still flows in).
   */
  async drain(timeoutMs = DEFAULT_DRAIN_MS): Promise<void> {
    const pending = [...this.readers];
    if (pending.length === 0) return this.file.flush();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    });
    await Promise.race([Promise.all(pending.map((reader) => reader.done)), timeout]);
    clearTimeout(timer);
    for (const reader of pending) reader.splitter.flush();
    this.file.flush();
  }

  /** Appends a line of berth's own to the log file only ("--- started pid 123 ---"). */
  note(text: string): void {
    if (this.closed) return;
    const shown = this.options.hide ? this.options.hide(text) : text;
    this.file.write(shown.endsWith("\n") ? shown : `${shown}\n`);
  }

  /** The last `n` lines kept in memory (all by default), oldest first. */
  tail(n?: number): LogLine[] {
    return this.ring.tail(n);
  }

  /** Emits unfinished last lines, stops reading and closes the file. */
  close(): void {
    if (this.closed) return;
    for (const reader of [...this.readers]) reader.finish();
    this.closed = true;
    this.file.close();
  }

  private take(stream: LogStream, lines: string[], raw: readonly Buffer[]): void {
    const time = this.now();
    this.file.write(raw);
    this.ring.push(raw, lines.length, stream, time);
    this.options.onLines?.(stream, lines, time);
  }
}
