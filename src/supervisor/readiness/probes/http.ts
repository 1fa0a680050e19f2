import type { IncomingMessage } from "node:http";
import { lazyHttp, lazyHttps, lazyTls } from "../../../platform/builtins.js";
import { connectOnce } from "./connect.js";
import { identityMismatch } from "./identity.js";
import { onEitherLoopback } from "./loopback.js";
import {
  DEFAULT_PROBE_TIMEOUT_MS,
  describeConnectionError,
  notReady,
  startAttempt,
  type Attempt,
  type ProbeOptions,
  type ProbeResult,
} from "./probe.js";

/** What an HTTP probe asks for (the `http` readiness check without its timeout). */
export interface HttpTarget {
  /** Full URL; its host is replaced by each loopback address in turn. */
  url: string;
  /** Expected status; `undefined` means any 2xx or 3xx. */
  status?: number;
  /** Expected body, compared trimmed: the instance's identity. */
  body?: string;
}

/** An identity is a short name: a longer body cannot match, so stop reading there. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * One HTTP probe: a GET to the URL on 127.0.0.1 and on ::1 at once, each on a fresh
 * connection closed afterwards (never pooled: a kept-alive socket could hide a restarted
 * server).
 * Ready when either answers the expected status (and body). A matching status with another
 * body is another instance on the port: `fatal` IDENTITY_MISMATCH.
 *
 * @example
 * await probeHttp({ url: "http://127.0.0.1:3000/health", status: 200 });
 * // { ok: false, reason: "HTTP 503" }
 */
export async function probeHttp(
  target: HttpTarget,
  options: ProbeOptions = {},
): Promise<ProbeResult> {
  const attempt = startAttempt(options, DEFAULT_PROBE_TIMEOUT_MS);
  try {
    return await onEitherLoopback((host) => requestOnce(target, host, attempt));
  } finally {
    attempt.end();
  }
}

async function requestOnce(
  target: HttpTarget,
  host: string,
  attempt: Attempt,
): Promise<ProbeResult> {
  const url = new URL(target.url);
  const tls = url.protocol === "https:";
  // Connect first, bare: the request is only built once something listens.
  const connection = await connectOnce(host, Number(url.port) || (tls ? 443 : 80), attempt);
  if (!connection.ok) return connection;
  const { socket } = connection;
  url.hostname = host.includes(":") ? `[${host}]` : host;
  // Loaded once something listens rather than with the supervisor: Node's HTTP (and TLS)
  // modules take milliseconds to load, which would otherwise delay the first spawn.
  const { request } = tls ? lazyHttps() : lazyHttp();
  const wrap = tls ? lazyTls().connect : undefined;
  return new Promise((resolve) => {
    if (attempt.signal.aborted) {
      socket.destroy();
      return resolve(notReady(attempt.abortReason()));
    }
    const req = request(
      url,
      {
        // No agent: with one, Node would open a connection of its own and ignore this one.
        signal: attempt.signal,
        headers: { connection: "close" },
        // Local services use self-signed certificates; this checks readiness, not trust.
        createConnection: () => (wrap ? wrap({ socket, rejectUnauthorized: false }) : socket),
      },
      (res) => {
        judge(res, target, url.href).then((result) => {
          resolve(result);
          req.destroy();
          socket.destroy();
        }, fail);
      },
    );
    function fail(error: unknown) {
      resolve(
        notReady(attempt.signal.aborted ? attempt.abortReason() : describeConnectionError(error)),
      );
      req.destroy();
      socket.destroy();
    }
    req.on("error", fail);
    req.end();
  });
}

async function judge(res: IncomingMessage, target: HttpTarget, url: string): Promise<ProbeResult> {
  const status = res.statusCode ?? 0;
  const statusOk =
    target.status === undefined ? status >= 200 && status < 400 : status === target.status;
  if (!statusOk) {
    res.resume();
    return notReady(`HTTP ${status}`);
  }
  if (target.body === undefined) return { ok: true };
  const body = await readBody(res);
  if (body.trim() === target.body.trim()) return { ok: true };
  return {
    ok: false,
    reason: `HTTP ${status}, another instance`,
    fatal: identityMismatch(url, body, target.body),
  };
}

/** The body as text, or its first MAX_BODY_BYTES when longer (then it cannot match anyway). */
function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => resolve(Buffer.concat(chunks).toString("utf8"));
    res.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= MAX_BODY_BYTES) {
        done();
        res.destroy();
      }
    });
    res.once("end", done);
    res.once("error", reject);
    res.once("close", () => {
      if (!res.complete && size < MAX_BODY_BYTES) reject(new Error("connection closed mid-body"));
    });
  });
}
