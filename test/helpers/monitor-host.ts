/**
 * Fake hosts for the monitor's tests: real unix sockets in
 * the test's runtime dir, speaking a tiny line protocol instead of JSON-RPC, so the
 * monitor's logic is tested apart from the control client. End-to-end tests with the real
 * client and server live in e2e.test.ts.
 */
import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { appHostHash, socketStem, type Sidecar } from "../../src/control/address.js";
import type { HostDescription, HostInfo, ServiceInfo } from "../../src/control/protocol.js";
import { processStartTime } from "../../src/platform/process-info.js";
import type { ConnectFn, HostConnection } from "../../src/monitor/connection.js";

export interface FakeHostOptions {
  dir: string;
  appHostPath: string;
  /** Default: this process (alive, with its real start time). */
  pid?: number;
  /** Written to the sidecar (default: the real start time of `pid`). */
  startTime?: string;
  /** false: accept connections and never answer. */
  answer?: boolean;
  services?: ServiceInfo[];
}

export interface FakeHost {
  socketPath: string;
  sidecarPath: string;
  info: HostInfo;
  /** Accepted connections so far. */
  connections: number;
  /** Closes the server and removes the socket and sidecar, like a host's clean exit. */
  close(): Promise<void>;
  /** Drops every open connection (the socket stays). */
  dropConnections(): void;
}

/** Writes the sidecar, then listens, as a host does. */
export async function startFakeHost(options: FakeHostOptions): Promise<FakeHost> {
  const pid = options.pid ?? process.pid;
  const hash = appHostHash(options.appHostPath);
  const stem = socketStem(hash, pid);
  const socketPath = `${options.dir}/${stem}.sock`;
  const sidecarPath = `${options.dir}/${stem}.json`;
  const startTime = options.startTime ?? processStartTime(pid) ?? "unknown";
  writeSidecar(sidecarPath, options.appHostPath, pid, startTime);
  const info = hostInfo(options.appHostPath, hash, pid, startTime);
  const sockets = new Set<Socket>();
  const host: FakeHost = {
    socketPath,
    sidecarPath,
    info,
    connections: 0,
    async close() {
      host.dropConnections();
      await new Promise((resolve) => server.close(resolve));
      rmSync(sidecarPath, { force: true });
    },
    dropConnections() {
      for (const socket of sockets) socket.destroy();
    },
  };
  const server: Server = createServer((socket) => {
    host.connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    if (options.answer === false) return;
    onLines(socket, (line) => {
      const request = JSON.parse(line) as { id: number; method: string };
      const result = { host: info, services: options.services ?? [] };
      socket.write(`${JSON.stringify({ id: request.id, result })}\n`);
    });
  });
  server.listen(socketPath);
  await once(server, "listening");
  return host;
}

/** The other end of the line protocol: a `ConnectFn` for the monitor. */
export const fakeConnect: ConnectFn = async (socketPath) => {
  const socket = createConnection(socketPath);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  socket.on("error", () => {});
  const pending = new Map<
    number,
    { resolve: (result: unknown) => void; reject: (e: Error) => void }
  >();
  // As the real client does: a connection that closes fails every call still waiting.
  socket.on("close", () => {
    for (const call of pending.values())
      call.reject(Object.assign(new Error("closed"), { code: "ECONNRESET" }));
    pending.clear();
  });
  let nextId = 1;
  onLines(socket, (line) => {
    const answer = JSON.parse(line) as { id: number; result: unknown };
    pending.get(answer.id)?.resolve(answer.result);
    pending.delete(answer.id);
  });
  const call = <T>(method: string) =>
    new Promise<T>((resolve, reject) => {
      if (socket.destroyed) return reject(new Error("closed"));
      const id = nextId++;
      pending.set(id, { resolve: resolve as (result: unknown) => void, reject });
      socket.write(`${JSON.stringify({ id, method })}\n`);
    });
  const connection: HostConnection = {
    describe: () => call<HostDescription>("describe"),
    close: () => void socket.destroy(),
    onClose: (listener) => socket.once("close", listener),
  };
  return connection;
};

/**
 * A socket file nobody listens on (what a host killed with SIGKILL leaves): bound under a
 * temporary name, renamed, and the listener closed (which unlinks only the old name).
 */
export async function staleSocket(path: string): Promise<void> {
  const temp = `${path}.tmp`;
  const server = createServer();
  server.listen(temp);
  await once(server, "listening");
  renameSync(temp, path);
  await new Promise((resolve) => server.close(resolve));
}

/** The PID of a process that has exited (and been reaped). */
export function deadPid(): number {
  const result = spawnSync("true");
  if (!result.pid) throw new Error("could not spawn `true`");
  return result.pid;
}

export function writeSidecar(
  path: string,
  appHostPath: string,
  pid: number,
  startTime: string,
): void {
  mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  const sidecar: Sidecar = {
    appHostPath,
    pid,
    processStartTime: startTime,
    startedAt: new Date().toISOString(),
    version: "0.0.0-test",
  };
  writeFileSync(path, JSON.stringify(sidecar));
}

function hostInfo(appHostPath: string, hash: string, pid: number, startTime: string): HostInfo {
  const projectDir = appHostPath.slice(0, appHostPath.lastIndexOf("/"));
  return {
    appHostPath,
    projectDir,
    hash,
    instanceName: `fake-${hash.slice(0, 6)}`,
    pid,
    processStartTime: startTime,
    launcherPid: null,
    startedAt: new Date().toISOString(),
    version: "0.0.0-test",
    dashboardUrl: null,
    detached: false,
    leftOut: [],
  };
}

function onLines(socket: Socket, onLine: (line: string) => void): void {
  let buffered = "";
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    buffered += chunk;
    for (let at = buffered.indexOf("\n"); at !== -1; at = buffered.indexOf("\n")) {
      const line = buffered.slice(0, at);
      buffered = buffered.slice(at + 1);
      if (line) onLine(line);
    }
  });
}
