import { connect, type Socket } from "node:net";
import { describeConnectionError, notReady, type Attempt, type ProbeResult } from "./probe.js";

/** A connected socket, or why there is none. */
export type Connection = { ok: true; socket: Socket } | Extract<ProbeResult, { ok: false }>;

/**
 * Opens a TCP connection to `host:port` within the attempt. The caller owns the socket
 * it gets and must destroy it. While nothing listens, which is most attempts, this
 * refused connect is all an attempt costs.
 */
export function connectOnce(host: string, port: number, attempt: Attempt): Promise<Connection> {
  return new Promise((resolve) => {
    const failed = (reason: string) => resolve(notReady(reason) as Connection);
    if (attempt.signal.aborted) return failed(attempt.abortReason());
    const socket = connect({ host, port });
    const onAbort = () => {
      socket.destroy();
      failed(attempt.abortReason());
    };
    attempt.signal.addEventListener("abort", onAbort, { once: true });
    socket.once("connect", () => {
      attempt.signal.removeEventListener("abort", onAbort);
      resolve({ ok: true, socket });
    });
    socket.once("error", (error) => {
      attempt.signal.removeEventListener("abort", onAbort);
      socket.destroy();
      failed(describeConnectionError(error));
    });
  });
}
