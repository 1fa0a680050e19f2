/**
 * Opening a unix socket, with the reasons it can fail told apart: the monitor treats a
 * missing socket, a refused one and one that times out differently.
 */
import { createConnection, type Socket } from "node:net";
import type { Clock } from "../clock.js";
import { ControlConnectError, type ConnectFailure } from "./errors.js";

function failureOf(code: string | undefined): ConnectFailure {
  switch (code) {
    case "ENOENT":
    case "ENOTDIR":
      return "missing";
    case "ECONNREFUSED":
    case "ENOTSOCK":
      return "refused";
    case "EACCES":
    case "EPERM":
      return "denied";
    case "EAGAIN":
    case "ETIMEDOUT":
      return "timeout";
    default:
      return "failed";
  }
}

const words: Record<ConnectFailure, string> = {
  missing: "there is no socket there",
  refused: "nothing is listening there",
  denied: "permission denied",
  timeout: "connecting timed out",
  incompatible: "no capability in common",
  failed: "connecting failed",
};

/** A socket on its way to connecting; what is written meanwhile leaves once it connects. */
export interface OpeningSocket {
  socket: Socket;
  /** Resolves once connected; rejects with a `ControlConnectError` within `timeoutMs`. */
  connected: Promise<Socket>;
}

/**
 * Starts connecting to `socketPath`. A caller that writes at once has its first message
 * sent the moment the connection is made, rather than a turn of the event loop later,
 * when a woken host may have gone back to sleep.
 */
export function openSocket(socketPath: string, timeoutMs: number, clock: Clock): OpeningSocket {
  const socket = createConnection(socketPath);
  const connected = new Promise<Socket>((resolve, reject) => {
    const fail = (kind: ConnectFailure, cause?: unknown) => {
      cancel();
      socket.destroy();
      const detail = cause instanceof Error ? ` (${cause.message})` : "";
      reject(
        new ControlConnectError(
          kind,
          socketPath,
          `cannot connect to ${socketPath}: ${words[kind]}${detail}`,
          {
            cause,
          },
        ),
      );
    };
    const onError = (error: NodeJS.ErrnoException) => fail(failureOf(error.code), error);
    const cancel = clock.setTimeout(() => fail("timeout"), timeoutMs);
    socket.once("error", onError);
    socket.once("connect", () => {
      cancel();
      socket.off("error", onError);
      // Until the connection's reader takes over, an error must not go unhandled.
      socket.on("error", () => {});
      resolve(socket);
    });
  });
  return { socket, connected };
}

/** Connects to `socketPath`, or rejects with a `ControlConnectError` within `timeoutMs`. */
export function connectSocket(
  socketPath: string,
  timeoutMs: number,
  clock: Clock,
): Promise<Socket> {
  return openSocket(socketPath, timeoutMs, clock).connected;
}
