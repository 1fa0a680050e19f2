import { once } from "node:events";
import { createServer, type RequestListener, type Server } from "node:http";
import { getRequestListener } from "@hono/node-server";
import { Masks } from "../control/mask.js";
import type { ControlTarget } from "../control/target.js";
import type { PortHold } from "../model/ports.js";
import { dashboardApp } from "./app.js";
import { Sessions } from "./sessions.js";

export interface Dashboard {
  /** The link that logs a browser in (its token works once; then this gives a fresh one). */
  loginUrl(): string;
  /** The address without a token. */
  readonly origin: string;
  /** Stops listening and ends every open page's stream. */
  close(): Promise<void>;
}

/** Open connections at once (pages, their streams and requests); more wait in the backlog. */
const MAX_CONNECTIONS = 64;

/**
 * Serves the dashboard on 127.0.0.1 on the port held for it (released just before it
 * listens). Should the port be taken in that moment, it listens on one the OS chooses,
 * and `log` says so.
 *
 * @example
 * const dashboard = await startDashboard({ target, hold, secrets: [secret], logFile, log });
 * console.log(`dashboard: ${dashboard.loginUrl()}`);
 */
export async function startDashboard(options: {
  target: ControlTarget;
  hold: PortHold;
  /** Masked in everything sent to a page. */
  secrets: readonly string[];
  logFile: (service: string) => string | undefined;
  /** Each service's `dependsOn`, for the page's graph. */
  dependsOn?: () => Record<string, { name: string; condition: string }[]>;
  log: (text: string) => void;
}): Promise<Dashboard> {
  await options.hold.release();
  const wanted = options.hold.port;
  const server = await listen(wanted).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== "EADDRINUSE") throw error;
    return listen(0);
  });
  const port = (server.address() as { port: number }).port;
  if (port !== wanted) {
    options.log(`dashboard: port ${wanted} was taken meanwhile; using ${port} for this run`);
  }
  const sessions = new Sessions(port);
  const app = dashboardApp({
    target: options.target,
    sessions,
    masks: new Masks(options.secrets),
    logFile: options.logFile,
    dependsOn: options.dependsOn,
  });
  // Requests are answered from here on: none can come before, the port is not yet told.
  const listener = getRequestListener(app.fetch, { overrideGlobalObjects: false });
  server.on("request", listener as RequestListener);
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    loginUrl: () => `${origin}/login?token=${sessions.loginToken}`,
    async close() {
      const closed = once(server, "close");
      server.close();
      // Open pages hold their event streams open: end them rather than wait.
      server.closeAllConnections();
      await closed;
    },
  };
}

async function listen(port: number): Promise<Server> {
  const server = createServer();
  server.maxConnections = MAX_CONNECTIONS;
  server.listen(port, "127.0.0.1");
  // Rejects with the error when listening fails (EADDRINUSE).
  await once(server, "listening");
  return server;
}
