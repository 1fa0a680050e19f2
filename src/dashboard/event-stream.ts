import { Feeds } from "../control/feeds.js";
import type { Masks } from "../control/mask.js";
import type { ControlTarget } from "../control/target.js";

/** How often a page's budget of lines is renewed. */
const TICK_MS = 100;

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
 * A page also gets at most `linesPerSecond` lines (counted per 100 ms): a service that
 * writes faster than anyone can read would otherwise have the host encode, and the
 * browser parse and draw, every line, taking the CPU the service itself needs (see
 * bench/dashboard.mjs). Past the budget, lines are dropped and counted the same way.
 */
export function eventStream(options: {
  target: ControlTarget;
  masks: Masks;
  /** Follow one service's lines, or every service's (null); no lines when undefined. */
  logs: string | null | undefined;
  backlogBytes: number;
  linesPerSecond: number;
}): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let feeds: Feeds | undefined;
  const perTick = Math.max(1, Math.round((options.linesPerSecond * TICK_MS) / 1000));
  let budget = perTick;
  let renew: NodeJS.Timeout | undefined;
  let queued = () => 0;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const send = (event: string, data: unknown) => {
          if (feeds?.active === false) return;
          controller.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
        };
        queued = () => -(controller.desiredSize ?? 0);
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
            renew ??= setTimeout(() => {
              renew = undefined;
              budget = perTick;
              feeds?.drained(queued());
            }, TICK_MS);
            send("logs", params);
          },
        });
        feeds.watch();
        if (options.logs !== undefined) feeds.follow(options.logs ?? undefined);
        send("services", { services: target.services().map((s) => masks.service(s)) });
      },
      // Called when the queue is empty and the socket wants more: lines flow again.
      pull() {
        if (budget > 0) feeds?.drained(0);
      },
      cancel() {
        clearTimeout(renew);
        feeds?.close();
      },
    },
    { highWaterMark: 0, size: (chunk) => chunk.byteLength },
  );
}
