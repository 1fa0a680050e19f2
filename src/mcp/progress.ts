import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { ServerNotification, ServerRequest } from "@modelcontextprotocol/sdk/types.js";
import type { Clock } from "../clock.js";

export type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

const EVERY_MS = 5_000;

/**
 * Sends a progress notification every few seconds while a long call (a start that waits
 * for readiness) runs, when the client asked for progress: a client that resets its
 * request timeout on progress then waits as long as the service's own readiness timeout.
 * Returns the function that stops it.
 */
export function keepAlive(extra: Extra, clock: Clock, what: string): () => void {
  const token = extra._meta?.progressToken;
  if (token === undefined) return () => {};
  let beat = 0;
  let cancel = () => {};
  const next = () => {
    cancel = clock.setTimeout(() => {
      beat++;
      const seconds = (beat * EVERY_MS) / 1000;
      extra
        .sendNotification({
          method: "notifications/progress",
          params: { progressToken: token, progress: beat, message: `${what} (${seconds}s)` },
        })
        .catch(() => {});
      next();
    }, EVERY_MS);
  };
  next();
  return () => cancel();
}
