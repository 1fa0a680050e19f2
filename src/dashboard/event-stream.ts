import { Feeds } from "../control/feeds.js";
import type { Masks } from "../control/mask.js";
import type { LogEntry, LogLinesParams } from "../control/protocol.js";
import type { ControlTarget } from "../control/target.js";

/** How often a page's budget of lines is renewed, and gathered lines are sent. */
const TICK_MS = 100;

/** Lines that came together (one chunk of a service's output): one service, stream, time. */
export interface PageLogBatch {
  service: string;
  time: number;
  stream: LogEntry["stream"];
  lines: string[];
}

/**
 * What a `logs` event carries: the lines in batches (a line's service, stream and time are
 * sent once per batch, not once per line), and after lines were dropped, how many.
 */
export interface PageLogEvent {
  batches: PageLogBatch[];
  dropped?: number;
}

/**
 * The page's live feed as Server-Sent Events: `services` once (the list as it is now),
 * then `service` for each change of state, and `logs` for log lines when asked for.
 *
 * The lines are what a slow page could make the host hold on to, so they give way: the
 * stream's queue counts the bytes the socket has not taken yet (the HTTP server reads the
 * next chunk only when the socket drains), and past `backlogBytes` new lines are dropped
 * and counted, then one `logs` event with `dropped` says how many once the queue has
 * drained. The same rule and the same code (`Feeds`) as the control socket's clients.
 *
 * A page also gets at most `linesPerSecond` lines, after a burst of `burstLines` (a
 * budget renewed each 100 ms, that saves up to the burst while the service is quiet): a
 * service that writes faster than anyone can read would otherwise have the host encode,
 * and the browser parse and draw, every line, taking the CPU the service itself needs (see
 * bench/dashboard.mjs). Past the budget, lines are dropped and counted the same way. A
 * batch of output goes whole while any budget is left; what it overdraws is paid back
 * from the next renewals, so the rate holds.
 *
 * While lines flow they are gathered and sent once per 100 ms, as one `logs` event: a
 * service writing a line at a time would otherwise cost the host an event, and the page a
 * parse, for every line. The first lines after a quiet spell go at once.
 */
export function eventStream(options: {
  target: ControlTarget;
  masks: Masks;
  /** Follow one service's lines, or every service's (null); no lines when undefined. */
  logs: string | null | undefined;
  backlogBytes: number;
  linesPerSecond: number;
  burstLines: number;
}): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let feeds: Feeds | undefined;
  const perTick = Math.max(1, Math.round((options.linesPerSecond * TICK_MS) / 1000));
  const burst = Math.max(perTick, options.burstLines);
  let budget = burst;
  /** Set while lines flow: ends the tick (budget renewed, gathered lines sent). */
  let tick: NodeJS.Timeout | undefined;
  let gathered: PageLogEvent | undefined;
  /** About what the gathered lines take once encoded; they count as queued. */
  let gatheredBytes = 0;
  let queued = () => 0;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const send = (event: string, data: unknown) => {
          if (feeds?.active === false) return;
          controller.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
        };
        const endTick = () => {
          tick = undefined;
          budget = Math.min(burst, budget + perTick);
          const lines = gathered;
          gathered = undefined;
          gatheredBytes = 0;
          if (lines) send("logs", lines);
          // Ticks go on while lines come, and until the budget is whole again.
          if (lines || budget < burst) tick = setTimeout(endTick, TICK_MS);
          feeds?.drained(queued());
        };
        queued = () => -(controller.desiredSize ?? 0) + gatheredBytes;
        const { target, masks } = options;
        feeds = new Feeds({
          target,
          masks,
          // A high-water mark of 0 bytes: whatever waits is what the socket has not taken.
          // A spent budget counts as a full queue: Feeds drops and counts, as for a slow page.
          queuedBytes: () => (budget > 0 ? queued() : Number.MAX_SAFE_INTEGER),
          logBacklogBytes: options.backlogBytes,
          sendServiceChanged: (params) => send("service", params),
          sendLogLines: (params) => {
            if (!params.dropped) budget -= params.lines.length;
            if (tick === undefined) {
              send("logs", inBatches(params));
              tick = setTimeout(endTick, TICK_MS);
              return;
            }
            gathered ??= { batches: [] };
            for (const line of params.lines) {
              addLine(gathered.batches, line);
              gatheredBytes += line.text.length + 8;
            }
            if (params.dropped) gathered.dropped = (gathered.dropped ?? 0) + params.dropped;
          },
        });
        feeds.watch();
        if (options.logs !== undefined) feeds.follow(options.logs ?? undefined);
        send("services", { services: target.services().map((s) => masks.service(s)) });
      },
      // Called when the queue is empty and the socket wants more: lines flow again.
      pull() {
        if (budget > 0) feeds?.drained(gatheredBytes);
      },
      cancel() {
        clearTimeout(tick);
        feeds?.close();
      },
    },
    { highWaterMark: 0, size: (chunk) => chunk.byteLength },
  );
}

function inBatches(params: LogLinesParams): PageLogEvent {
  const batches: PageLogBatch[] = [];
  for (const line of params.lines) addLine(batches, line);
  return params.dropped ? { batches, dropped: params.dropped } : { batches };
}

/** Adds a line to the last batch when it shares its service, stream and time. */
function addLine(batches: PageLogBatch[], line: LogEntry): void {
  const last = batches[batches.length - 1];
  if (
    last &&
    last.service === line.service &&
    last.time === line.time &&
    last.stream === line.stream
  ) {
    last.lines.push(line.text);
  } else {
    batches.push({
      service: line.service,
      time: line.time,
      stream: line.stream,
      lines: [line.text],
    });
  }
}
