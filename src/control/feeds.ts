/**
 * The notifications one connection asked for: `serviceChanged` after `watchServices`,
 * `logLines` after `followLogs`. Both come from one subscription to the target's event
 * stream, made on the first request and dropped when the connection closes.
 *
 * Log lines are where a slow client could make the host's memory grow, so they are the
 * part that gives way: while more than `logBacklogBytes` waits to be written, new lines
 * are dropped and counted; once the queue has drained to half of that, one `logLines`
 * note says how many were lost and lines flow again.
 */
import type { LogEvent, StateEvent, SupervisorEvent } from "../supervisor/events.js";
import type { LogEntry, LogLinesParams, ServiceChangedParams } from "./protocol.js";
import type { Masks } from "./mask.js";
import type { ControlTarget } from "./target.js";

export interface FeedsOptions {
  target: ControlTarget;
  /** Bytes queued for this client and not yet written. */
  queuedBytes: () => number;
  logBacklogBytes: number;
  masks: Masks;
  sendServiceChanged: (params: ServiceChangedParams) => void;
  sendLogLines: (params: LogLinesParams) => void;
}

export class Feeds {
  private unsubscribe?: () => void;
  private watching = false;
  /** The service followed; null for every service; undefined when not following. */
  private following: string | null | undefined;
  private dropping = false;
  private dropped = 0;
  private closed = false;

  constructor(private readonly options: FeedsOptions) {}

  /** True while notifications are wanted. */
  get active(): boolean {
    return !this.closed && (this.watching || this.following !== undefined);
  }

  /** Starts `serviceChanged` notifications; a second call changes nothing. */
  watch(): void {
    this.watching = true;
    this.subscribe();
  }

  /** Starts (or retargets: one follow per connection) `logLines` notifications. */
  follow(service: string | undefined): void {
    this.following = service ?? null;
    this.subscribe();
  }

  /** Called as the connection's queue drains: resumes lines after a drop, with a note. */
  drained(bytes: number): void {
    if (this.closed || !this.dropping || bytes > this.options.logBacklogBytes / 2) return;
    const dropped = this.dropped;
    this.dropping = false;
    this.dropped = 0;
    const note: LogEntry = {
      service: this.following ?? "berth",
      time: Date.now(),
      stream: "stderr",
      text: `berth: ${dropped} log lines were dropped because this client read too slowly; the service's log file under .berth/logs/ has them all`,
    };
    this.options.sendLogLines({ lines: [note], dropped });
  }

  /** Ends both feeds for good: nothing more is sent, the note of dropped lines included. */
  close(): void {
    this.closed = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private subscribe(): void {
    if (this.closed) return;
    this.unsubscribe ??= this.options.target.subscribe((event: SupervisorEvent) => {
      if (event.type === "state" && this.watching) this.onState(event);
      else if (event.type === "log" && this.following !== undefined) this.onLog(event);
    });
  }

  private onState(event: StateEvent): void {
    const info = this.options.masks.service(this.options.target.service(event.service));
    this.options.sendServiceChanged({ service: info, previous: event.previous });
  }

  private onLog(event: LogEvent): void {
    if (this.following !== null && this.following !== event.service) return;
    const queued = this.options.queuedBytes();
    if (this.dropping) this.drained(queued);
    // While dropping (a flood, most of the time), a batch costs no more than its count.
    if (!this.dropping && queued > 0) {
      // About what the batch takes once encoded, without encoding it.
      let size = 96;
      for (const text of event.lines) size += text.length + event.service.length + 64;
      // Like the writer's bound: one large batch to a client that keeps up always goes out.
      if (queued + size > this.options.logBacklogBytes) this.dropping = true;
    }
    if (this.dropping) {
      this.dropped += event.lines.length;
      return;
    }
    const { service, time, stream } = event;
    const lines = event.lines.map((text) => ({
      service,
      time,
      stream,
      text: this.options.masks.text(text),
    }));
    this.options.sendLogLines({ lines });
  }
}
