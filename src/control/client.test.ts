import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../../test/helpers/processes.js";
import { ManualClock } from "../clock.js";
import { connectControl, type ControlClient } from "./client.js";
import {
  ControlClosedError,
  ControlConnectError,
  ControlError,
  UnresponsiveError,
} from "./errors.js";
import {
  startFakeHost,
  type FakeHost,
  type FakeHostOptions,
} from "../../test/helpers/control-host.js";
import { RpcErrorCode, type LogLinesParams, type ServiceChangedParams } from "./protocol.js";
import { runtimeDir } from "../platform/paths.js";
import { rejection } from "../../test/helpers/errors.js";
import { frame, SECRET, SERVICES } from "../../test/helpers/control-host.js";

const hosts: FakeHost[] = [];
const clients: ControlClient[] = [];
const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(hosts.splice(0).map((host) => host.server.close()));
  await Promise.all(
    servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))),
  );
});

async function host(options: FakeHostOptions = {}): Promise<FakeHost> {
  const started = await startFakeHost({
    services: SERVICES,
    secrets: [SECRET],
    ...options,
  });
  hosts.push(started);
  return started;
}

async function connect(
  socketPath: string,
  options?: Parameters<typeof connectControl>[1],
): Promise<ControlClient> {
  const client = await connectControl(socketPath, { client: "test", ...options });
  clients.push(client);
  return client;
}

function countResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo())
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

/** True for a `ControlError` with the named code, as a caller tells errors apart. */
const isControlError = (error: unknown, name: keyof typeof RpcErrorCode) =>
  error instanceof ControlError && error.code === RpcErrorCode[name];

/** A socket path in the test's runtime dir. */
const pathFor = (name: string) => join(runtimeDir(), name);

describe("connectControl against a host", () => {
  it("negotiates berth.v1 and reads the host's info", async () => {
    const { target, address } = await host();
    const client = await connect(address.socketPath);
    expect(client.capabilities).toEqual(["berth.v1", "berth.hold"]);
    expect(client.hostVersion).toBe("0.1.0");
    expect((await client.describe()).host).toEqual(target.info());
  });

  it("lists services with the secret masked in their commands", async () => {
    const { address } = await host();
    const { services } = await (await connect(address.socketPath)).describe();
    expect(services.map((s) => [s.name, s.state, s.command])).toEqual([
      ["api", "ready", "node api.js --admin-key ***0a08"],
      ["worker", "ready", "node worker.js"],
    ]);
    expect(JSON.stringify(services)).not.toContain(SECRET);
  });

  it("reads recent log lines of one or every service, masked, with a tail count", async () => {
    const { target, address } = await host();
    target.emitLog("api", ["one", `key=${SECRET}`]);
    target.emitLog("worker", ["w1"], "stderr");
    const client = await connect(address.socketPath);
    expect((await client.logs()).map((l) => `${l.service}:${l.stream}:${l.text}`)).toEqual([
      "api:stdout:one",
      "api:stdout:key=***0a08",
      "worker:stderr:w1",
    ]);
    expect((await client.logs({ service: "api", tail: 1 })).map((l) => l.text)).toEqual([
      "key=***0a08",
    ]);
    expect(await client.logs({ tail: 0 })).toEqual([]);
  });

  it("reads a log tail of more than 8 MiB in one answer", async () => {
    const { target, address } = await host();
    const client = await connect(address.socketPath);
    const line = "x".repeat(100_000);
    target.emitLog(
      "worker",
      Array.from({ length: 100 }, () => line),
    );
    const lines = await client.logs({ service: "worker", tail: 100 }, { timeoutMs: 20_000 });
    expect(lines).toHaveLength(100);
    expect(lines.every((entry) => entry.text === line)).toBe(true);
  });

  it("answers serviceNotFound and invalid params with their codes", async () => {
    const { address } = await host();
    const client = await connect(address.socketPath);
    const missing = await rejection(client.logs({ service: "db" }));
    expect(isControlError(missing, "serviceNotFound")).toBe(true);
    expect(missing.message).toBe('no service named "db"');
    const invalid = await rejection(client.logs({ tail: -1 }));
    expect(invalid).toBeInstanceOf(ControlError);
    expect((invalid as ControlError).code).toBe(-32602);
    expect(invalid.message).toBe("getLogs: `tail` must be a whole number of 0 or more, got -1");
    expect(isControlError(await rejection(client.stopService("db")), "serviceNotFound")).toBe(true);
  });

  it("follows log lines: the recent ones, then each new batch of the followed service", async () => {
    const { target, address } = await host();
    target.emitLog("api", ["before"]);
    const client = await connect(address.socketPath);
    const batches: LogLinesParams[] = [];
    const recent = await client.followLogs({ service: "api" }, (params) => batches.push(params));
    expect(recent.map((l) => l.text)).toEqual(["before"]);
    target.emitLog("worker", ["not followed"]);
    target.emitLog("api", ["a", `b ${SECRET}`]);
    target.emitLog("api", ["c"]);
    await waitFor(() => batches.length === 2, "two batches");
    expect(batches.map((b) => b.lines.map((l) => l.text))).toEqual([["a", "b ***0a08"], ["c"]]);
    expect(batches[0]!.lines[0]).toMatchObject({ service: "api", stream: "stdout" });
  });

  it("watches services: the list, then each state change with the previous state", async () => {
    const { target, address } = await host();
    const client = await connect(address.socketPath);
    const changes: ServiceChangedParams[] = [];
    const { host: info, services } = await client.watchServices((change) => changes.push(change));
    expect([info, services]).toEqual([target.info(), [expect.anything(), expect.anything()]]);
    target.setState("api", "stopping");
    target.setState("api", "failed", { reason: `exited with code 1 (${SECRET})` });
    await waitFor(() => changes.length === 2, "two changes");
    expect(changes.map((c) => [c.previous, c.service.state])).toEqual([
      ["ready", "stopping"],
      ["stopping", "failed"],
    ]);
    expect(changes[1]!.service.reason).toBe("exited with code 1 (***0a08)");
    expect(changes[1]!.service.command).toBe("node api.js --admin-key ***0a08");
  });

  it("starts, stops and restarts a service", async () => {
    const { target, address } = await host();
    const client = await connect(address.socketPath);
    expect(await client.stopService("api")).toMatchObject({ name: "api", state: "stopped" });
    expect(await client.startService("api")).toMatchObject({ state: "ready", ready: true });
    expect(await client.restartService("worker")).toMatchObject({ name: "worker", state: "ready" });
    expect(target.services()[1]!.state).toBe("ready");
  });

  it("waits for a service to reach a state", async () => {
    const { target, address } = await host();
    const client = await connect(address.socketPath);
    expect(await client.waitForService({ service: "api", states: ["ready"] })).toMatchObject({
      state: "ready",
    });
    target.setState("api", "starting");
    const waiting = client.waitForService({ service: "api", states: ["ready", "completed"] });
    await waitFor(() => target.subscribers > 0, "the wait to subscribe");
    target.setState("api", "ready");
    expect((await waiting).state).toBe("ready");
    expect(target.subscribers).toBe(0);
  });

  it("answers a wait that runs out with `timeout`, saying the state the service is in", async () => {
    const clock = new ManualClock();
    const { target, address } = await host({ clock });
    const client = await connect(address.socketPath);
    target.setState("api", "starting", { reason: "waiting on http://127.0.0.1:3000/health" });
    const waiting = rejection(
      client.waitForService({ service: "api", states: ["ready"], timeoutMs: 5000 }),
    );
    await waitFor(() => target.subscribers === 1, "the wait to begin");
    await clock.advance(4999);
    expect(target.subscribers).toBe(1);
    await clock.advance(1);
    const error = await waiting;
    expect(isControlError(error, "timeout")).toBe(true);
    expect(error.message).toBe(
      "api did not reach ready within 5 s; it is starting (waiting on http://127.0.0.1:3000/health)",
    );
    expect(target.subscribers).toBe(0);
  });

  it("answers a wait at once with `invalidState` when the service fails", async () => {
    const { target, address } = await host();
    const client = await connect(address.socketPath);
    target.setState("api", "starting");
    const waiting = rejection(client.waitForService({ service: "api", states: ["ready"] }));
    await waitFor(() => target.subscribers > 0, "the wait to subscribe");
    target.setState("api", "failed", { reason: "exited with code 1" });
    const error = await waiting;
    expect(isControlError(error, "invalidState")).toBe(true);
    expect(error.message).toBe(
      "api failed and will not reach ready unless it is restarted: failed (exited with code 1)",
    );
  });

  it("stops the host after answering", async () => {
    const { target, address } = await host();
    const client = await connect(address.socketPath);
    await client.stopHost();
    await waitFor(() => target.stopHostCalls === 1, "stopHost on the target");
  });

  it("serves two clients at once, each with its own notifications", async () => {
    const { target, address } = await host();
    const watcher = await connect(address.socketPath);
    const follower = await connect(address.socketPath);
    const changes: ServiceChangedParams[] = [];
    const batches: LogLinesParams[] = [];
    await watcher.watchServices((change) => changes.push(change));
    await follower.followLogs({}, (params) => batches.push(params));
    target.setState("worker", "stopped");
    target.emitLog("worker", ["bye"]);
    await waitFor(() => changes.length === 1 && batches.length === 1, "one of each");
    expect(changes[0]!.service.name).toBe("worker");
    expect(batches[0]!.lines.map((l) => l.text)).toEqual(["bye"]);
    expect(await Promise.all([watcher.describe(), follower.describe()])).toHaveLength(2);
  });
});

describe("connectControl failures", () => {
  it("tells a missing socket from a refused one", async () => {
    const missing = await rejection(connectControl(pathFor("nothing.sock")));
    expect(missing).toBeInstanceOf(ControlConnectError);
    expect((missing as ControlConnectError).kind).toBe("missing");

    const plain = pathFor("plain.sock");
    writeFileSync(plain, "not a socket");
    const refused = await rejection(connectControl(plain));
    expect((refused as ControlConnectError).kind).toBe("refused");
    expect(refused.message).toMatch(/^cannot connect to .*plain\.sock: nothing is listening there/);
  });

  it("reports a listener that accepts but never answers as unresponsive, in time", async () => {
    const path = pathFor("mute.sock");
    const server = createServer((socket) => socket.on("data", () => {}));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(path, resolve));
    const started = Date.now();
    const error = await rejection(connectControl(path, { timeoutMs: 200 }));
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(UnresponsiveError);
    expect(error.message).toMatch(/did not answer getCapabilities within \d+ ms/);
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(1500);
  });

  it("reports a host with no capability in common as incompatible", async () => {
    const path = pathFor("future.sock");
    const server = createServer((socket) =>
      socket.once("data", () => {
        socket.write(
          frame({
            jsonrpc: "2.0",
            id: 0,
            result: { capabilities: ["berth.v2"], version: "9.0.0" },
          }),
        );
      }),
    );
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(path, resolve));
    const error = await rejection(connectControl(path));
    expect(error).toBeInstanceOf(ControlConnectError);
    expect((error as ControlConnectError).kind).toBe("incompatible");
    expect(error.message).toBe(
      `the app host at ${path} (berth 9.0.0) offers berth.v2, and this berth needs berth.v1: use the same berth version for both`,
    );
  });

  it("tells the host to stop waiting when the client gives up first", async () => {
    // The host's clock never moves, so only the client's own bound can end the wait.
    const { target, address } = await host({ clock: new ManualClock() });
    // A margin that a loaded machine's connect and handshake fit in (they share it).
    const client = await connect(address.socketPath, { timeoutMs: 1000 });
    target.setState("api", "starting");
    const error = await rejection(
      client.waitForService({ service: "api", states: ["ready"], timeoutMs: 50 }),
    );
    expect(error).toBeInstanceOf(UnresponsiveError);
    expect((error as UnresponsiveError).timeoutMs).toBe(1050);
    await waitFor(() => target.subscribers === 0, "the host's wait to end");
  });

  it("times out a call the host never answers, and keeps the connection", async () => {
    const { target, address } = await host();
    const client = await connect(address.socketPath);
    target.beforeAction = () => new Promise(() => {});
    const error = await rejection(client.stopService("api", { timeoutMs: 100 }));
    expect(error).toBeInstanceOf(UnresponsiveError);
    expect((error as UnresponsiveError).method).toBe("stopService");
    expect((await client.describe()).services).toHaveLength(2);
  });
});

describe("closing", () => {
  it("rejects pending calls when the server closes, and reports the loss", async () => {
    const { target, server, address } = await host();
    const client = await connect(address.socketPath);
    const reasons: string[] = [];
    client.onClose((reason) => reasons.push(reason));
    target.beforeAction = () => new Promise(() => {});
    target.setState("worker", "starting");
    const stopping = rejection(client.stopService("api"));
    const waiting = rejection(client.waitForService({ service: "worker", states: ["ready"] }));
    await waitFor(() => target.subscribers > 0, "the wait to subscribe");
    await server.close();
    const [stopError, waitError] = await Promise.all([stopping, waiting]);
    expect(stopError).toBeInstanceOf(ControlClosedError);
    expect(stopError.message).toContain("closed before it answered stopService");
    // A wait is the host's own to end: it answers why before it goes.
    expect(isControlError(waitError, "shuttingDown")).toBe(true);
    await waitFor(() => reasons.length === 1, "onClose");
    expect(reasons).toEqual(["lost"]);
    expect(client.closed).toBe(true);
    expect(await rejection(client.describe())).toBeInstanceOf(ControlClosedError);
  });

  it("rejects pending calls when the connection drops without a word", async () => {
    const path = pathFor("drop.sock");
    // Answers getCapabilities, then drops the connection on the next request.
    const server = createServer((socket) => {
      let answered = false;
      socket.on("data", () => {
        if (answered) return void socket.destroy();
        answered = true;
        socket.write(
          frame({
            jsonrpc: "2.0",
            id: 0,
            result: { capabilities: ["berth.v1"], version: "0.0.0" },
          }),
        );
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(path, resolve));
    const client = await connect(path);
    const error = await rejection(client.describe());
    expect(error).toBeInstanceOf(ControlClosedError);
  });

  it("rejects pending calls on close(), and refuses calls after it", async () => {
    const { target, address } = await host();
    const client = await connect(address.socketPath);
    const reasons: string[] = [];
    client.onClose((reason) => reasons.push(reason));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let begun = false;
    target.beforeAction = () => ((begun = true), gate);
    const pending = rejection(client.restartService("api"));
    await waitFor(() => begun, "the restart to begin");
    await client.close();
    expect(await pending).toBeInstanceOf(ControlClosedError);
    expect(await rejection(client.describe())).toBeInstanceOf(ControlClosedError);
    expect(reasons).toEqual(["closed"]);
    // The host answers what it was asked, finds nobody, and lets the connection go.
    release();
    await waitFor(() => hosts[0]!.server.stats().connections === 0, "the server to notice");
  });

  it("leaves nothing behind that would keep the process alive", async () => {
    const { address } = await host();
    // Lets the previous test's sockets finish closing.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const before = countResources();
    const client = await connectControl(address.socketPath);
    await client.followLogs({}, () => {});
    await client.describe();
    await client.close();
    await new Promise((resolve) => setImmediate(resolve));
    await waitFor(() => hosts[0]!.server.stats().connections === 0, "the server to notice");
    const after = countResources();
    for (const [kind, count] of after)
      expect(count, kind).toBeLessThanOrEqual(before.get(kind) ?? 0);
  });
});
