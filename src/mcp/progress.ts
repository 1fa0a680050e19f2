import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { ServerNotification, ServerRequest } from "@modelcontextprotocol/sdk/types.js";

export type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

const EVERY_MS = 5_000;

/**
 * Sends a progress notification every few seconds while a long call (a start that waits
 * for readiness) runs, when the client asked for progress: a client that resets its
 * request timeout on progress then waits as long as the service's own readiness timeout.
 * Returns the function that stops it.
 */
export function keepAlive(extra: Extra, what: string): () => void {
  const token = extra._meta?.progressToken;
  if (token === undefined) return () => {};
  const started = Date.now();
  let beat = 0;
  const timer = setInterval(() => {
    beat++;
    const seconds = Math.round((Date.now() - started) / 1000);
    extra
      .sendNotification({
        method: "notifications/progress",
        params: { progressToken: token, progress: beat, message: `${what} (${seconds}s)` },
      })
      .catch(() => {});
  }, EVERY_MS);
  return () => clearInterval(timer);
}
