/**
 * The app host's control socket: a unix socket in the runtime dir serving protocol.ts to
 * any number of clients at once, one JSON-RPC session per connection.
 */
import { chmodSync, rmSync } from "node:fs";
import { once } from "node:events";
import { createServer } from "node:net";
import { systemClock, type Clock } from "../clock.js";
import { writeFileAtomicSync } from "../platform/atomic-write.js";
import type { SocketAddress, Sidecar } from "./address.js";
import { ensurePrivateDir, identify, removeIfSame, type FileIdentity } from "./runtime-files.js";
import { DEFAULT_LIMITS, Session, type ControlLimits } from "./session.js";
import { Masks } from "./mask.js";
import type { ControlTarget } from "./target.js";
import { socketTransport } from "./transport.js";

export interface ControlServerOptions {
  target: ControlTarget;
  address: SocketAddress;
  sidecar: Sidecar;
  /** Times `waitForService` (default: the system clock). */
  clock?: Clock;
  /** The host's verbose log: connections, misbehaving clients, internal errors. */
  log?: (message: string) => void;
  /**
   * Masked as `***` plus their last four characters wherever they appear in service
   * commands, reasons and log lines sent over the socket (the instance secret).
   */
  secrets?: readonly string[];
  limits?: Partial<ControlLimits>;
}

export interface ControlServer {
  readonly address: SocketAddress;
  /** Open connections, the bytes queued for them and their unfinished input (diagnostics). */
  stats(): { connections: number; queuedBytes: number; bufferedBytes: number };
  /** Stops accepting, ends every connection, removes the socket and the sidecar. Runs once. */
  close(): Promise<void>;
}

/**
 * Makes the runtime dir (0700), writes the sidecar, then listens on the socket (0600).
 *
 * @example
 * const control = await startControlServer({
 *   target, address: socketAddress(hash, process.pid), sidecar, secrets: [instance.secret],
 * });
 * // … on shutdown:
 * await control.close();
 */
export async function startControlServer(options: ControlServerOptions): Promise<ControlServer> {
  const { address, target } = options;
  const log = options.log ?? (() => {});
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const sessions = new Set<Session>();
  const pool = { bytes: 0, maxBytes: limits.maxBufferedBytes };
  const clock = options.clock ?? systemClock;
  const masks = new Masks(options.secrets ?? []);

  ensurePrivateDir(address.dir);
  // Whole (temp file + rename) and before the socket exists, so a lister that sees the
  // socket can always read who owns it.
  // Synchronous: an async write and fsync here delayed the socket's opening.
  writeFileAtomicSync(address.sidecarPath, `${JSON.stringify(options.sidecar, null, 2)}\n`);
  const sidecarId = identify(address.sidecarPath);
  let socketId: FileIdentity | undefined;
  const removeFiles = () => {
    if (socketId) removeIfSame(address.socketPath, socketId);
    removeIfSame(address.sidecarPath, sidecarId);
  };

  // Half-open: a client that ends its side after asking still gets its answers.
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    if (sessions.size >= limits.maxConnections) {
      // The longest idle connection makes room, so the host stays reachable; when every
      // one is busy, the newcomer is turned away.
      const idle = [...sessions].filter((s) => s.idle);
      const oldest = idle.sort((a, b) => a.lastMessageAt - b.lastMessageAt)[0];
      if (!oldest) return void socket.destroy();
      oldest.drop(`the host is at its ${limits.maxConnections} connections and it was idle`);
    }
    const transport = socketTransport(socket, { maxMessageBytes: limits.maxMessageBytes, pool });
    const session = new Session(transport, { target, clock, masks, limits, log });
    sessions.add(session);
    // Cannot reject: `closed` only resolves.
    void transport.closed.then(() => sessions.delete(session));
  });
  try {
    // The name carries this process's pid: a file there was left by an earlier process
    // that had the same pid.
    rmSync(address.socketPath, { force: true });
    server.listen(address.socketPath);
    await once(server, "listening");
    chmodSync(address.socketPath, 0o600);
    socketId = identify(address.socketPath);
  } catch (error) {
    server.close();
    removeFiles();
    throw error;
  }
  server.on("error", (error) => log(`control: ${error.message}`));
  // A host that exits in a hurry (process.exit) still leaves no files.
  process.on("exit", removeFiles);

  let closing: Promise<void> | undefined;
  return {
    address,
    stats: () => ({
      connections: sessions.size,
      queuedBytes: [...sessions].reduce((sum, session) => sum + session.transport.queuedBytes, 0),
      bufferedBytes: pool.bytes,
    }),
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        await Promise.all([...sessions].map((session) => session.end()));
        await stopped;
        removeFiles();
        process.off("exit", removeFiles);
      })();
      return closing;
    },
  };
}
