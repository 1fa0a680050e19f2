import { createServer as createTcpServer, type Server, type Socket } from "node:net";
import { afterEach } from "vitest";

/**
 * Servers a test listens with, closed (open connections included) after each test, so a
 * test never leaves a port held.
 */
const servers: Server[] = [];
const connections = new WeakMap<Server, Set<Socket>>();
afterEach(async () => {
  await Promise.all(servers.splice(0).map(closeServer));
});

/** Closes a server and destroys its open connections. */
export function closeServer(server: Server): Promise<void> {
  for (const socket of connections.get(server) ?? []) socket.destroy();
  return new Promise((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
}

/** Listens on `host` (port 0: the OS's choice), tracked for closing; resolves with the port. */
export function listen(server: Server, host: string, port = 0): Promise<number> {
  if (!servers.includes(server)) servers.push(server);
  const open = new Set<Socket>();
  connections.set(server, open);
  server.on("connection", (socket: Socket) => {
    open.add(socket);
    socket.once("close", () => open.delete(socket));
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve((server.address() as { port: number }).port));
  });
}

/** Tracks a server that will listen later, so it is closed even if the test ends first. */
export function trackServer(server: Server): void {
  if (!servers.includes(server)) servers.push(server);
}

/** A port that was free a moment ago on `host`. */
export async function freeServerPort(host = "127.0.0.1"): Promise<number> {
  const server = createTcpServer();
  const port = await listen(server, host);
  servers.splice(servers.indexOf(server), 1);
  await closeServer(server);
  return port;
}
