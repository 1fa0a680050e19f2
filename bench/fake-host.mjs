// A stand-in app host for the discovery benches: a real control server (control/server.ts)
// over a target with two ready services and no processes, and when each socket began
// listening.
import { Server } from "node:net";
import { dirname } from "node:path";
import { performance } from "node:perf_hooks";
import { importSource } from "./berth.mjs";

const { appHostHash, socketAddress } = await importSource("control/address.ts");
const { startControlServer } = await importSource("control/server.ts");
const { processStartTime } = await importSource("platform/process-info.ts");

/** A control server over a target with two ready services and no processes. */
export async function startFakeHost(appHostPath, env) {
  const hash = appHostHash(appHostPath);
  const address = socketAddress(hash, process.pid, env);
  const startedAt = new Date().toISOString();
  const started = processStartTime(process.pid) ?? "unknown";
  const info = {
    ...{ appHostPath, projectDir: dirname(appHostPath), hash, instanceName: "bench" },
    ...{ pid: process.pid, processStartTime: started, launcherPid: null, startedAt },
    ...{ version: "bench", dashboardUrl: null, detached: false },
  };
  const service = (name) => ({
    ...{ name, state: "ready", oneshot: false, pid: null, port: null, url: null, ready: true },
    ...{ restarts: 0, exitCode: null, startedAt: null, readyAt: null, reason: null },
    command: `node ${name}.js`,
  });
  const target = {
    info: () => info,
    services: () => [service("api"), service("worker")],
    service,
    subscribe: () => () => {},
    logs: () => [],
    startService: async (name) => service(name),
    stopService: async (name) => service(name),
    restartService: async (name) => service(name),
    stopHost() {},
  };
  const sidecar = {
    appHostPath,
    pid: process.pid,
    processStartTime: started,
    startedAt,
    version: "bench",
  };
  return { address, server: await startControlServer({ target, address, sidecar }) };
}

/**
 * When each socket path started listening: recorded right after `listen()` returns, at
 * which point the socket file exists (a pipe binds synchronously).
 */
export const listenedAt = new Map();
const listen = Server.prototype.listen;
Server.prototype.listen = function (...args) {
  const result = listen.apply(this, args);
  if (typeof args[0] === "string") listenedAt.set(args[0], performance.now());
  return result;
};
