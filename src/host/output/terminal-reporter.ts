import { writeSync } from "node:fs";
import { Socket } from "node:net";
import { isAbsolute, relative } from "node:path";
import { maskSecret } from "../../model/mask-secret.js";
import type { ServiceModel } from "../../model/app.js";
import type {
  LogEvent,
  MessageEvent,
  StateEvent,
  SupervisorEvent,
  WaitingEvent,
} from "../../supervisor/events.js";
import { durationText } from "../../duration-text.js";
import {
  childForceColor,
  createStyles,
  shouldUseColor,
  type Styles,
} from "../../platform/terminal/colors.js";
import { findCat, terminalPipe } from "./terminal-pipe.js";
import { terminalSafe, terminalSafeLines } from "../../platform/terminal/terminal-text.js";

/**
 * `berth run`'s terminal output: one consumer of the supervisor's events. Log lines get their
 * service's name as a padded, coloured prefix; state changes and berth's own messages are
 * said in words under a `berth` prefix. The terminal is the one consumer allowed to lose
 * lines: when the destination falls behind, log lines are dropped (never buffered without
 * bound) and a notice later says how many and where the full log is.
 */

/** What the reporter needs to know about a service; a `ServiceModel` fits. */
export type ReporterService = Pick<ServiceModel, "name"> &
  Partial<Pick<ServiceModel, "url" | "logFile">> & { restart?: { maxRestarts: number } };

/** Where output goes: `process.stdout`, or any Writable. */
export type Destination = {
  write(text: string): unknown;
  /** Writes `head + body + tail`, when the destination can do it without joining them. */
  writeParts?(head: string, body: string, tail: string): void;
  readonly writableLength: number;
  once(event: "drain", listener: () => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
  isTTY?: boolean;
  /** Writes what is still waiting, then releases the destination (not called for stdout). */
  close?(): Promise<void>;
};

/**
 * The cheapest safe way to write to `destination`. When it is `process.stdout` or
 * `process.stderr` on a file or /dev/null, Node's stream writes synchronously anyway, but
 * first copies every string into a new Buffer; writing straight to the descriptor is the
 * same write without that copy — about 15% of berth's time when a service floods its output.
 * A terminal is written through a pipe ({@link terminalPipe}), so one that stops reading
 * never blocks the host. Anything else (a pipe, any other Writable) is returned unchanged.
 */
export function directDestination(destination: Destination): Destination {
  const standard = destination === process.stdout || destination === process.stderr;
  const { fd } = destination as { fd?: unknown };
  if (!standard || typeof fd !== "number") return destination;
  if (destination.isTTY) {
    const cat = process.platform === "win32" ? undefined : findCat();
    return cat === undefined ? destination : terminalPipe(fd, cat);
  }
  if (destination instanceof Socket) return destination; // a pipe
  return writeDirectly(fd, destination);
}

function writeDirectly(fd: number, destination: Destination): Destination {
  let scratch = Buffer.alloc(0);
  // Encodes the parts one after the other into one reused buffer: no joined string, no new
  // Buffer per write.
  const writeParts = (head: string, body: string, tail: string): void => {
    const most = 3 * (head.length + body.length + tail.length); // UTF-8 bytes per UTF-16 unit
    if (scratch.length < most) scratch = Buffer.allocUnsafeSlow(Math.max(most, 64 * 1024));
    let length = scratch.write(head, 0);
    length += scratch.write(body, length);
    length += scratch.write(tail, length);
    for (let offset = 0; offset < length;)
      offset += writeSync(fd, scratch, offset, length - offset);
    if (scratch.length > MAX_SCRATCH_BYTES) scratch = Buffer.alloc(0);
  };
  return {
    write: (text: string) => writeParts("", text, ""),
    writeParts,
    writableLength: 0,
    once: () => undefined,
    on: (event, listener) => destination.on(event, listener),
    isTTY: false,
  };
}

const MAX_SCRATCH_BYTES = 1024 * 1024;

/** Options of {@link TerminalReporter}. */
export interface TerminalReporterOptions {
  /** Where to write (default `process.stdout`); see {@link directDestination}. */
  output?: Destination;
  /** Default: {@link shouldUseColor} of `output` and `env`. */
  color?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Log lines are dropped while more than this is waiting to be written (default 1 MiB). */
  maxBufferedBytes?: number;
  /** Services known up front; see `setServices`. */
  services?: readonly ReporterService[];
  /** Log file paths are shown relative to this folder (default `process.cwd()`). */
  cwd?: string;
  /** Least time between two "lines not shown" notices (default 1000 ms). */
  noticeIntervalMs?: number;
}

export const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024;
export const DEFAULT_NOTICE_INTERVAL_MS = 1000;

/**
 * The terminal reporter.
 *
 * @example
 * const reporter = new TerminalReporter();
 * reporter.setServices(app.services);
 * supervisor.subscribe((event) => reporter.handle(event));
 * // api    | listening on 3000
 * // berth  | api is ready at http://localhost:3000 (312 ms)
 */
export class TerminalReporter {
  private readonly output: Destination;
  private readonly styles: Styles;
  /** Control sequences are taken out only where a terminal would act on them. */
  private readonly toTerminal: boolean;
  private readonly maxBuffered: number;
  private readonly cwd: string;
  private readonly services = new Map<string, ReporterService>();
  private readonly prefixes = new Map<string, { stdout: string; stderr: string }>();
  private readonly startedAt = new Map<string, number>();
  private readonly dropped = new Map<string, number>();
  private width = "berth".length;
  private berthPrefix = "";
  private waitingForDrain = false;
  private noticeTimer: NodeJS.Timeout | undefined;
  private lastNoticeAt = -Infinity;
  private readonly noticeIntervalMs: number;
  // Closed, or the output failed (EPIPE): nothing more is written.
  private silent = false;
  private secret = "";
  /**
   * `FORCE_COLOR` for the services when this reporter colours a terminal and the user's
   * environment says nothing of colour ({@link childForceColor}); else undefined.
   */
  readonly childForceColor: string | undefined;

  constructor(options: TerminalReporterOptions = {}) {
    const output = options.output ?? process.stdout;
    this.toTerminal = output.isTTY === true;
    this.output = directDestination(output);
    const env = options.env ?? process.env;
    const color = options.color ?? shouldUseColor(output, env);
    this.styles = createStyles(color);
    this.childForceColor = color ? childForceColor(output, env) : undefined;
    this.maxBuffered = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    this.cwd = options.cwd ?? process.cwd();
    this.noticeIntervalMs = options.noticeIntervalMs ?? DEFAULT_NOTICE_INTERVAL_MS;
    this.widen("berth");
    this.setServices(options.services ?? []);
    // A closed terminal (EPIPE) must not take the app host down: stop writing instead.
    this.output.on("error", () => {
      this.silent = true;
    });
  }

  /**
   * Declares the services (a `ServiceModel` fits), so every prefix is padded to the longest
   * name from the first line, the ready line can show the URL, and a dropped-lines notice
   * can name the log file.
   */
  setServices(services: readonly ReporterService[]): void {
    for (const service of services) {
      this.services.set(service.name, service);
      this.widen(service.name);
      // Colours are given in the order services are first declared: config order.
      this.styles.service(service.name);
    }
  }

  /**
   * Masks the instance secret (`***` and its last four characters, as the control socket
   * does) wherever it would be written: in berth's lines (a command line in a failure) and
   * in the services' output.
   */
  hideSecret(secret: string): void {
    this.secret = secret;
  }

  /** Writes one event, or counts its lines as dropped while the output is backed up. */
  handle(event: SupervisorEvent): void {
    if (this.silent) return;
    switch (event.type) {
      case "log":
        return this.log(event);
      case "state": {
        if (event.state === "starting") this.startedAt.set(event.service, event.time);
        const service = this.services.get(event.service);
        const text = describeState(event, this.styles, service, this.startedAt);
        if (text) this.say([text]);
        return;
      }
      case "waiting":
        return this.say([this.styles.yellow(describeWaiting(event))]);
      case "message":
        return this.say(describeMessage(event, this.styles));
    }
  }

  /**
   * Prints any pending "lines not shown" notice, then waits until the terminal has been
   * given everything (a terminal that takes nothing for a second is not waited for).
   * Call it before exiting; the reporter writes nothing after.
   */
  async close(): Promise<void> {
    this.flush();
    this.silent = true;
    await this.output.close?.();
  }

  /** Prints any pending "lines not shown" notice now. */
  flush(): void {
    clearTimeout(this.noticeTimer);
    this.noticeTimer = undefined;
    if (this.dropped.size === 0 || this.silent) return;
    const notices = [...this.dropped].map(([name, count]) => {
      const file = this.services.get(name)?.logFile;
      const where = file ? `; see ${displayPath(file, this.cwd)}` : "";
      const lines = count === 1 ? "1 line" : `${count} lines`;
      return this.styles.yellow(`${lines} of ${name} not shown (output too slow${where})`);
    });
    this.dropped.clear();
    this.say(notices);
    this.lastNoticeAt = Date.now();
  }

  private log(event: LogEvent): void {
    // Once behind, lines are dropped until the output has caught up completely: taking new
    // ones as soon as it is under the limit again would keep an output slower than the
    // service just under it, never drained, never told what it missed. (Empty counts as
    // caught up even before 'drain': a stream only emits it after a write it refused.)
    const catchingUp = this.waitingForDrain && this.output.writableLength > 0;
    if (catchingUp || this.backedUp()) {
      this.countDropped(event);
      this.awaitDrain();
      return;
    }
    if (this.dropped.size > 0) this.noticeDue();
    const prefix = this.prefixOf(event.service)[event.stream];
    // On a terminal, colours pass; a title, a clear screen or a cursor move would rewrite
    // it. A file or a pipe gets the bytes as the log files have them: scanning every line
    // cost a fifth of berth's time when a service floods its output.
    const lines = this.toTerminal ? terminalSafeLines(event.lines) : event.lines;
    const body = this.masked(lines.join(`\n${prefix}`));
    if (!this.output.writeParts) {
      this.write(`${prefix}${body}\n`);
      return;
    }
    try {
      this.output.writeParts(prefix, body, "\n");
    } catch {
      this.silent = true;
    }
  }

  private countDropped(event: LogEvent): void {
    this.dropped.set(event.service, (this.dropped.get(event.service) ?? 0) + event.lines.length);
  }

  private backedUp(): boolean {
    return this.output.writableLength > this.maxBuffered;
  }

  private awaitDrain(): void {
    if (this.waitingForDrain) return;
    this.waitingForDrain = true;
    this.output.once("drain", () => {
      this.waitingForDrain = false;
      this.noticeDue();
    });
  }

  // One notice per interval at most: a reader that stays slow would otherwise get a notice
  // after every drain, itself flooding the output it cannot keep up with.
  private noticeDue(): void {
    if (this.noticeTimer) return;
    const wait = this.lastNoticeAt + this.noticeIntervalMs - Date.now();
    if (wait <= 0 && !this.backedUp()) return this.flush();
    this.noticeTimer = setTimeout(
      () => {
        this.noticeTimer = undefined;
        if (this.backedUp()) this.awaitDrain();
        else this.flush();
      },
      Math.max(wait, 0),
    );
    // Never keep the host alive for a notice; whoever exits calls flush() first.
    this.noticeTimer.unref();
  }

  // berth's own lines are never dropped, however far behind the output is: there are few of
  // them, and they are what the user most needs to see (ready, failed, stopped).
  private say(lines: string[]): void {
    const text = lines
      .flatMap((line) => line.split("\n"))
      .map(terminalSafe)
      .join(`\n${this.berthPrefix}`);
    this.write(`${this.berthPrefix}${this.masked(text)}\n`);
  }

  private masked(text: string): string {
    return this.secret && text.includes(this.secret) ? maskSecret(text, this.secret) : text;
  }

  private write(text: string): void {
    if (this.silent) return;
    try {
      this.output.write(text);
    } catch {
      // A descriptor written directly throws instead of emitting 'error'; same outcome.
      this.silent = true;
    }
  }

  private widen(name: string): void {
    if (name.length <= this.width && this.berthPrefix) return;
    this.width = Math.max(this.width, name.length);
    this.prefixes.clear();
    this.berthPrefix = `${this.styles.bold("berth".padEnd(this.width))} ${this.styles.dim("|")} `;
  }

  private prefixOf(name: string): { stdout: string; stderr: string } {
    let prefix = this.prefixes.get(name);
    if (!prefix) {
      this.widen(name);
      const { styles } = this;
      const label = styles.service(name)(name.padEnd(this.width));
      prefix = { stdout: `${label} ${styles.dim("|")} `, stderr: `${label} ${styles.red("|")} ` };
      this.prefixes.set(name, prefix);
    }
    return prefix;
  }
}

/** A state change in words, or undefined for changes not worth a line. */
function describeState(
  event: StateEvent,
  s: Styles,
  service: ReporterService | undefined,
  startedAt: Map<string, number>,
): string | undefined {
  const name = s.service(event.service)(event.service);
  const since = startedAt.get(event.service);
  // Under a millisecond means there was nothing to wait for (no readiness check): say nothing.
  const took =
    since === undefined || event.time - since < 1 ? "" : ` (${durationText(event.time - since)})`;
  switch (event.state) {
    case "starting":
      return s.dim(`${event.service} is starting${event.pid ? ` (pid ${event.pid})` : ""}`);
    case "ready":
      return `${name} is ${s.green("ready")}${service?.url ? ` at ${service.url}` : ""}${took}`;
    case "completed":
      return `${name} ${s.green("completed")}${took}`;
    case "restarting": {
      // The supervisor's reason already says it all ("…; restarting in 400 ms (2/5)").
      if (event.reason) return `${name} ${s.yellow(event.reason)}`;
      const max = service?.restart?.maxRestarts;
      const count = max === undefined ? `restart ${event.restarts}` : `${event.restarts}/${max}`;
      return `${name} ${s.yellow(`${exitWords(event)}; restarting (${count})`)}`;
    }
    case "stopping":
      return s.dim(`stopping ${event.service}`);
    case "stopped":
      // "stopped" as a reason means by request; anything else says why it ended.
      return event.reason && event.reason !== "stopped"
        ? `${name} stopped: ${event.reason}`
        : `${name} stopped`;
    case "failed":
      return `${name} ${s.red(`failed${event.reason ? `: ${event.reason}` : ""}`)}`;
    case "pending":
      return undefined;
  }
}

function exitWords(event: StateEvent): string {
  if (event.signal) return `killed by ${event.signal}`;
  if (typeof event.exitCode === "number") return `exited with code ${event.exitCode}`;
  return "exited";
}

function describeWaiting(event: WaitingEvent): string {
  const last = event.last ? `; last: ${event.last}` : "";
  return `still waiting for ${event.service}: ${event.on} (${durationText(event.elapsedMs)}${last})`;
}

function describeMessage(event: MessageEvent, s: Styles): string[] {
  const color = event.level === "error" ? s.red : event.level === "warn" ? s.yellow : undefined;
  const head = color ? color(event.text) : event.text;
  return [head, ...(event.details ?? []).map((line) => s.dim(`  ${line}`))];
}

function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : file;
}
