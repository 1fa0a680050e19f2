import { connectOnce } from "./connect.js";
import { onEitherLoopback } from "./loopback.js";
import {
  DEFAULT_PROBE_TIMEOUT_MS,
  startAttempt,
  type ProbeOptions,
  type ProbeResult,
} from "./probe.js";

/**
 * One TCP probe: ready when a connection to `port` opens on 127.0.0.1 or ::1.
 * The connection is closed at once; nothing is sent.
 *
 * @example
 * await probeTcp(5432); // { ok: false, reason: "connection refused" }
 */
export async function probeTcp(port: number, options: ProbeOptions = {}): Promise<ProbeResult> {
  const attempt = startAttempt(options, DEFAULT_PROBE_TIMEOUT_MS);
  try {
    return await onEitherLoopback(async (host) => {
      const connection = await connectOnce(host, port, attempt);
      if (!connection.ok) return connection;
      connection.socket.destroy();
      return { ok: true };
    });
  } finally {
    attempt.end();
  }
}
