import { Feeds } from "../control/feeds.js";
import type { Masks } from "../control/mask.js";
import type { ControlTarget } from "../control/target.js";

/**
 * The page's live feed as Server-Sent Events: `services` once (the list as it is now),
 * then `service` for each change of state, and `logs` for log lines when asked for.
 *
 * The lines are what a slow page could make the host hold on to, so they give way: the
 * stream's queue counts the bytes the socket has not taken yet (the HTTP server reads the
 * next chunk only when the socket drains), and past `backlogBytes` new lines are dropped
 * and counted, then one `logs` event with `dropped` says how many once the queue has
 * drained. The same rule and the same code (`Feeds`) as the control socket's clients.
 */
export function eventStream(options: {
  target: ControlTarget;
  masks: Masks;
  /** Follow one service's lines, or every service's (null); no lines when undefined. */
  logs: string | null | undefined;
  backlogBytes: number;
}): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let feeds: Feeds | undefined;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const send = (event: string, data: unknown) => {
          if (feeds?.active === false) return;
          controller.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
        };
        const { target, masks } = options;
        feeds = new Feeds({
          target,
          masks,
          // A high-water mark of 0 bytes: whatever waits is what the socket has not taken.
          queuedBytes: () => -(controller.desiredSize ?? 0),
          logBacklogBytes: options.backlogBytes,
          sendServiceChanged: (params) => send("service", params),
          sendLogLines: (params) => send("logs", params),
        });
        feeds.watch();
        if (options.logs !== undefined) feeds.follow(options.logs ?? undefined);
        send("services", { services: target.services().map((s) => masks.service(s)) });
      },
      // Called when the queue is empty and the socket wants more: lines flow again.
      pull() {
        feeds?.drained(0);
      },
      cancel() {
        feeds?.close();
      },
    },
    { highWaterMark: 0, size: (chunk) => chunk.byteLength },
  );
}
