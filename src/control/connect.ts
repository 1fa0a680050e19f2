/**
 * Opening a unix socket, with the reasons it can fail told apart: the monitor treats a
 * missing socket, a refused one and one that times out differently.
 */
import { createConnection, type Socket } from "node:net";
import type { Clock } from "../clock.js";
import { ControlConnectError, type ConnectFailure } from "./errors.js";

/** Why connecting failed, by the error's code ("failed" for any other). */
const kinds: Record<string, ConnectFailure> = {
  ENOENT: "missing",
  ENOTDIR: "missing",
  ECONNREFUSED: "refused",
  ENOTSOCK: "refused",
  EACCES: "denied",
  EPERM: "denied",
  EAGAIN: "timeout",
  ETIMEDOUT: "timeout",
};

const words: Record<ConnectFailure, string> = {
  missing: "there is no socket there",
  refused: "nothing is listening there",
  denied: "permission denied",
  timeout: "connecting timed out",
  incompatible: "no capability in common",
  failed: "connecting failed",
};

/** Connects to `socketPath`, or rejects with a `ControlConnectError` within `timeoutMs`. */
export function connectSocket(
  socketPath: string,
  timeoutMs: number,
  clock: Clock,
): Promise<Socket> {
  const socket = createConnection(socketPath);
  return new Promise<Socket>((resolve, reject) => {
    const fail = (kind: ConnectFailure, cause?: unknown) => {
      cancel();
      socket.destroy();
      const detail = cause instanceof Error ? ` (${cause.message})` : "";
      const message = `cannot connect to ${socketPath}: ${words[kind]}${detail}`;
      reject(new ControlConnectError(kind, socketPath, message, { cause }));
    };
    const onError = (error: NodeJS.ErrnoException) =>
      fail(kinds[error.code ?? ""] ?? "failed", error);
    const cancel = clock.setTimeout(() => fail("timeout"), timeoutMs);
    socket.once("error", onError);
    socket.once("connect", () => {
      cancel();
      socket.off("error", onError);
      resolve(socket);
    });
  });
}
