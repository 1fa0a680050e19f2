import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  watch,
  writeFileSync,
} from "node:fs";
import { createConnection, type Socket } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../../test/helpers/processes.js";
import { ManualClock } from "../clock.js";
import { BerthError } from "../errors.js";
import { socketAddress } from "./address.js";
import { runtimeDir } from "../platform/paths.js";
import { connectControl } from "./client.js";
import {
  startFakeHost,
  type FakeHost,
  type FakeHostOptions,
} from "../../test/helpers/control-host.js";

const hosts: FakeHost[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(hosts.splice(0).map((host) => host.server.close()));
});

async function host(options: FakeHostOptions = {}): Promise<FakeHost> {
  const started = await startFakeHost({ services: { api: {}, worker: {} }, ...options });
  hosts.push(started);
  return started;
}

/** A JSON-RPC client that speaks bytes, to send what a real client never would. */
function raw(socketPath: string, options: { allowHalfOpen?: boolean } = {}) {
  const socket = createConnection({ path: socketPath, ...options });
  sockets.push(socket);
  const messages: Record<string, unknown>[] = [];
  let buffer = Buffer.alloc(0);
  let ended = false;
  socket.on("data", (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const end = buffer.indexOf("\r\n\r\n");
      if (end < 0) return;
      const length = Number(/Content-Length: (\d+)/.exec(buffer.subarray(0, end).toString())![1]);
      if (buffer.length < end + 4 + length) return;
      messages.push(JSON.parse(buffer.subarray(end + 4, end + 4 + length).toString()));
      buffer = buffer.subarray(end + 4 + length);
    }
  });
  socket.on("close", () => (ended = true));
  socket.on("error", () => {});
  let id = 0;
  return {
    socket,
    messages,
    get ended() {
      return ended;
    },
    write(text: string) {
      socket.write(text);
    },
    /** Sends a request and resolves with its response. */
    async call(method: string, params?: unknown): Promise<Record<string, unknown>> {
      const requestId = ++id;
      const body = JSON.stringify({ jsonrpc: "2.0", id: requestId, method, params });
      socket.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      let response: Record<string, unknown> | undefined;
      await waitFor(
        () => (response = messages.find((m) => m.id === requestId)) !== undefined,
        `the answer to ${method}`,
      );
      return response!;
    },
  };
}

const mode = (path: string) => statSync(path).mode & 0o777;

/** One request, framed as a client sends it. */
function frame(id: number, method: string, params: object): string {
  const body = JSON.stringify({ jsonrpc: "2.0", id, method, params });
  return `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

describe("startControlServer: files", () => {
  it("makes the runtime dir 0700, the socket 0600 and the sidecar beside it", async () => {
    const { address, target } = await host();
    expect(address.dir).toBe(runtimeDir());
    expect(address.fellBack).toBe(false);
    expect(mode(address.dir)).toBe(0o700);
    expect(statSync(address.socketPath).isSocket()).toBe(true);
    expect(mode(address.socketPath)).toBe(0o600);
    expect(mode(address.sidecarPath)).toBe(0o600);
    expect(JSON.parse(readFileSync(address.sidecarPath, "utf8"))).toMatchObject({
      appHostPath: target.info().appHostPath,
      pid: process.pid,
      version: "0.1.0",
    });
  });

  it("tightens an existing runtime dir that is open to others", async () => {
    const dir = join(runtimeDir(), "open");
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o755);
    const { address } = await host({ env: { BERTH_RUNTIME_DIR: dir } });
    expect(address.dir).toBe(dir);
    expect(mode(dir)).toBe(0o700);
  });

  it("writes the sidecar before the socket exists", async () => {
    const dir = join(runtimeDir(), "order");
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const seen: string[] = [];
    const watcher = watch(dir, (_event, name) => {
      if (name && !seen.includes(name) && /\.(json|sock)$/.test(name)) seen.push(name);
    });
    try {
      await host({ env: { BERTH_RUNTIME_DIR: dir } });
      await waitFor(() => seen.length === 2, "both files");
    } finally {
      watcher.close();
    }
    expect(seen.map((name) => name.split(".").pop())).toEqual(["json", "sock"]);
  });

  it("removes a stale file at the socket path, and both files on close", async () => {
    const hash = "0123456789abcdef";
    const address = socketAddress(hash, process.pid);
    mkdirSync(address.dir, { recursive: true });
    writeFileSync(address.socketPath, "left by an earlier process with this pid");
    const { server } = await startFakeHost({ hash });
    expect(statSync(address.socketPath).isSocket()).toBe(true);
    await server.close();
    expect(existsSync(address.socketPath)).toBe(false);
    expect(existsSync(address.sidecarPath)).toBe(false);
  });

  it("leaves a sidecar that is no longer its own", async () => {
    const { server, address } = await host();
    // Another writer's atomic replace: a new file at the same path.
    writeFileSync(`${address.sidecarPath}.new`, "{}");
    renameSync(`${address.sidecarPath}.new`, address.sidecarPath);
    await server.close();
    expect(readFileSync(address.sidecarPath, "utf8")).toBe("{}");
  });

  it("falls back to the short dir when the runtime dir is too deep for a socket path", async () => {
    const fallback = process.env.BERTH_SOCKET_FALLBACK_DIR!;
    const env = {
      BERTH_RUNTIME_DIR: join(runtimeDir(), "x".repeat(90)),
      BERTH_SOCKET_FALLBACK_DIR: fallback,
    };
    const { address } = await host({ env });
    expect(address).toMatchObject({ dir: fallback, fellBack: true });
    expect(address.socketPath.length).toBeLessThanOrEqual(100);
    expect(mode(fallback)).toBe(0o700);
    const client = await connectControl(address.socketPath);
    expect((await client.describe()).services).toHaveLength(2);
    await client.close();
  });
});

describe("startControlServer: sessions", () => {
  it("refuses other calls until getCapabilities, then serves them", async () => {
    const { address } = await host();
    const client = raw(address.socketPath);
    expect(await client.call("describeHost", {})).toMatchObject({
      error: {
        code: -32005,
        message:
          "call getCapabilities before describeHost: every session starts by negotiating capabilities",
      },
    });
    expect(
      await client.call("getCapabilities", {
        client: "raw",
        capabilities: ["berth.v1", "berth.v9"],
      }),
    ).toMatchObject({
      result: { capabilities: ["berth.v1"], version: "0.1.0" },
    });
    // Params may be left out: one params object per method, `{}` when it has none.
    expect(await client.call("describeHost")).toMatchObject({
      result: { host: { version: "0.1.0" }, services: [{}, {}] },
    });
  });

  it("answers a client with nothing in common with an empty list, and refuses its calls", async () => {
    const { address } = await host();
    const client = raw(address.socketPath);
    expect(await client.call("getCapabilities", { capabilities: ["berth.v9"] })).toMatchObject({
      result: { capabilities: [] },
    });
    expect(await client.call("describeHost", {})).toMatchObject({
      error: {
        code: -32005,
        message: "describeHost needs berth.v1, which this session did not negotiate",
      },
    });
  });

  it("answers unknown methods, list params and unexpected failures with standard codes", async () => {
    const { address, target } = await host();
    const client = raw(address.socketPath);
    await client.call("getCapabilities", {});
    expect(await client.call("launchRockets", {})).toMatchObject({
      error: { code: -32601, message: "this app host has no method launchRockets" },
    });
    const list = await client.call("getLogs", ["api"]);
    expect(list).toMatchObject({ error: { code: -32602 } });
    expect((list.error as { message: string }).message).toMatch(/by name/);
    target.beforeAction = async () => {
      throw new TypeError("cannot read properties of undefined (reading 'pid')");
    };
    const internal = await client.call("stopService", { service: "api" });
    expect(internal).toEqual({
      jsonrpc: "2.0",
      id: expect.any(Number),
      error: {
        code: -32603,
        message: "stopService failed inside the app host; its log has the details",
      },
    });
    target.beforeAction = async () => {
      throw new BerthError("PORT_TAKEN", "port 3000 is taken by postgres (pid 77)");
    };
    expect(await client.call("startService", { service: "api" })).toMatchObject({
      error: {
        code: -32002,
        message: "port 3000 is taken by postgres (pid 77)",
        data: { code: "PORT_TAKEN" },
      },
    });
  });

  it("reads a message whose header also names its Content-Type, in either order", async () => {
    const { address } = await host();
    const client = raw(address.socketPath);
    const body = (id: number) =>
      JSON.stringify({ jsonrpc: "2.0", id, method: "getCapabilities", params: {} });
    const type = "Content-Type: application/vscode-jsonrpc; charset=utf-8";
    client.write(`Content-Length: ${body(1).length}\r\n${type}\r\n\r\n${body(1)}`);
    client.write(`${type}\r\nContent-Length: ${body(2).length}\r\n\r\n${body(2)}`);
    await waitFor(() => client.messages.length === 2, "both answers");
    expect(client.messages.every((m) => "result" in m)).toBe(true);
  });

  it("answers a message that is neither a request nor a notification, and keeps the connection", async () => {
    const { address } = await host();
    const client = raw(address.socketPath);
    const body = JSON.stringify({ jsonrpc: "2.0", id: 7, params: {} });
    client.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    await waitFor(() => client.messages.some((m) => m.id === 7), "the answer");
    expect(client.messages.find((m) => m.id === 7)).toMatchObject({ error: { code: -32600 } });
    expect(await client.call("getCapabilities", {})).toMatchObject({ result: {} });
    expect(client.ended).toBe(false);
  });

  it("answers every question of a client that ends its side, then hangs up", async () => {
    const { address, server, target } = await host();
    let release!: () => void;
    target.beforeAction = () => new Promise<void>((resolve) => (release = resolve));
    const client = raw(address.socketPath);
    await client.call("getCapabilities", {});
    const body = JSON.stringify({
      jsonrpc: "2.0",
      id: 50,
      method: "stopService",
      params: { service: "api" },
    });
    client.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    client.socket.end();
    await waitFor(() => release !== undefined, "the stop to begin");
    // Still open: the answer is owed.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(client.ended).toBe(false);
    release();
    await waitFor(() => client.ended, "the host to hang up");
    expect(client.messages.find((m) => m.id === 50)).toMatchObject({
      result: { service: { name: "api" } },
    });
    await waitFor(() => server.stats().connections === 0, "no connection left");
  });

  it("answers questions sent together with the end of input", async () => {
    const { address, server } = await host();
    const client = raw(address.socketPath);
    const first = frame(1, "getCapabilities", {}) + frame(2, "describeHost", {});
    // Padded to exactly 64 KiB, a read's whole buffer: the host then reads the end of input
    // in the same turn as the questions, before its reader has handed them over.
    const padded = (n: number) => frame(3, "describeHost", { padding: "x".repeat(n) });
    let padding = 65536 - first.length - padded(0).length;
    padding -= padded(padding).length + first.length - 65536; // the longer Content-Length
    const last = padded(padding);
    expect(Buffer.byteLength(first + last)).toBe(65536);
    client.socket.end(first + last);
    await waitFor(() => client.ended, "the host to hang up");
    expect(client.messages.map((m) => m.id)).toEqual([1, 2, 3]);
    expect(client.messages.every((m) => "result" in m)).toBe(true);
    await waitFor(() => server.stats().connections === 0, "no connection left");
  });

  it("does not let a client that never reads hold up its stop", async () => {
    const { address, server, target } = await host();
    target.emitLog(
      "api",
      Array.from({ length: 4000 }, (_, i) => `${i} ${"x".repeat(400)}`),
    );
    const client = raw(address.socketPath);
    await client.call("getCapabilities", {});
    client.socket.pause(); // never reads again: the answer below fills every buffer
    const body = JSON.stringify({
      jsonrpc: "2.0",
      id: 9,
      method: "getLogs",
      params: { tail: 4000 },
    });
    client.socket.end(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    await waitFor(() => server.stats().queuedBytes > 0, "the answer to be queued");
    await server.close();
    expect(server.stats().connections).toBe(0);
  });

  it("answers a body that is JSON null as an invalid request", async () => {
    const { address } = await host();
    const client = raw(address.socketPath);
    client.write("Content-Length: 4\r\n\r\nnull");
    await waitFor(() => client.messages.length > 0, "the answer");
    expect(client.messages[0]).toMatchObject({ id: null, error: { code: -32600 } });
    expect(await client.call("getCapabilities", {})).toMatchObject({ result: {} });
  });

  it("answers a client that reuses a pending request's id, then hangs up", async () => {
    const { address, target } = await host();
    const releases: (() => void)[] = [];
    target.beforeAction = () => new Promise<void>((resolve) => releases.push(resolve));
    const client = raw(address.socketPath);
    await client.call("getCapabilities", {});
    const stop = (service: string) =>
      JSON.stringify({ jsonrpc: "2.0", id: 5, method: "stopService", params: { service } });
    const frame = (body: string) => `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    client.socket.end(frame(stop("api")) + frame(stop("worker")));
    await waitFor(() => releases.length > 0, "a stop to begin");
    for (const release of releases) release();
    await waitFor(() => client.ended, "the host to hang up");
    expect(client.messages.filter((m) => m.id === 5).length).toBeGreaterThan(0);
  });

  it("ends the follow of a client that ends its side", async () => {
    const { address, target } = await host();
    const client = raw(address.socketPath);
    await client.call("getCapabilities", {});
    await client.call("followLogs", {});
    expect(target.subscribers).toBe(1);
    client.socket.end();
    await waitFor(() => client.ended, "the host to hang up");
    expect(target.subscribers).toBe(0);
  });

  const malformed: [string, string][] = [
    ["garbage", "hello, is this the host?\r\n\r\n"],
    ["a header without a colon", "Content-Length 12\r\n\r\n{}"],
    ["a broken Content-Length", "Content-Length: many\r\n\r\n{}"],
    ["invalid JSON", "Content-Length: 9\r\n\r\n{not json"],
  ];
  for (const [what, input] of malformed) {
    it(`ends only the connection that sent ${what}`, async () => {
      const logs: string[] = [];
      const { address, server } = await host({ log: (line) => logs.push(line) });
      const bad = raw(address.socketPath);
      bad.write(input);
      await waitFor(() => bad.ended, "the bad connection to end");
      expect(bad.messages).toMatchObject([{ id: null, error: { code: -32700 } }]);
      expect(logs.some((line) => line.includes("malformed input"))).toBe(true);
      const good = await connectControl(address.socketPath);
      expect((await good.describe()).services).toHaveLength(2);
      await good.close();
      await waitFor(() => server.stats().connections === 0, "no connection left");
    });
  }

  it("ends a connection whose input never becomes a message within the limit", async () => {
    const { address } = await host({ limits: { maxMessageBytes: 4096 } });
    const bad = raw(address.socketPath);
    bad.write(`Content-Length: 100000000\r\n\r\n${"x".repeat(8192)}`);
    await waitFor(() => bad.ended, "the connection to end");
    const good = await connectControl(address.socketPath);
    expect((await good.describe()).services).toHaveLength(2);
    await good.close();
  });

  it("survives a client that vanishes mid-message", async () => {
    const { address, server, target } = await host();
    const half = raw(address.socketPath);
    half.write('Content-Length: 80\r\n\r\n{"jsonrpc":"2.0","id":1,"meth');
    await waitFor(() => server.stats().connections === 1, "the connection");
    half.socket.destroy();
    await waitFor(() => server.stats().connections === 0, "the server to drop it");
    const good = await connectControl(address.socketPath);
    await good.followLogs({}, () => {});
    expect(target.subscribers).toBe(1);
    await good.close();
    await waitFor(() => target.subscribers === 0, "the subscription to go with the connection");
  });
});

describe("startControlServer: bounds on what clients hold", () => {
  it("makes room past its cap by closing the longest idle connections, never a busy one", async () => {
    const { address, server } = await host({ limits: { maxConnections: 5 } });
    const follower = await connectControl(address.socketPath);
    await follower.followLogs({}, () => {});
    const idle: ReturnType<typeof raw>[] = [];
    for (let i = 0; i < 8; i++) {
      idle.push(raw(address.socketPath));
      await waitFor(() => server.stats().connections === Math.min(5, i + 2), "the connection");
    }
    // The oldest four made room in turn; the follower kept its connection.
    await waitFor(() => idle.filter((c) => c.ended).length === 4, "four to be closed");
    expect(idle.map((c) => c.ended)).toEqual([true, true, true, true, false, false, false, false]);
    expect((await follower.describe()).services).toHaveLength(2);
    const newcomer = await connectControl(address.socketPath);
    expect((await newcomer.describe()).services).toHaveLength(2);
    await Promise.all([newcomer.close(), follower.close()]);
  });

  it("closes a connection idle for its time, even mid-message, but not one that follows", async () => {
    const clock = new ManualClock();
    const { address, server } = await host({ clock, limits: { idleMs: 60_000 } });
    const idle = raw(address.socketPath);
    idle.write('Content-Length: 100\r\n\r\n{"jsonrpc":"2.0",');
    const follower = await connectControl(address.socketPath);
    await follower.followLogs({}, () => {});
    await waitFor(() => server.stats().bufferedBytes > 0, "the partial message");
    await clock.advance(59_999);
    expect(idle.ended).toBe(false);
    await clock.advance(1);
    await waitFor(() => idle.ended, "the idle connection to close");
    expect(server.stats().bufferedBytes).toBe(0);
    expect((await follower.describe()).services).toHaveLength(2);
    await follower.close();
  });

  it("bounds unfinished input across connections, and lets it all go with them", async () => {
    const maxBufferedBytes = 256 * 1024;
    const { address, server } = await host({
      limits: { maxMessageBytes: 64 * 1024, maxBufferedBytes },
    });
    const clients = Array.from({ length: 10 }, () => raw(address.socketPath));
    for (const client of clients)
      client.write(`Content-Length: 60000\r\n\r\n${"x".repeat(50_000)}`);
    await waitFor(
      () => clients.filter((c) => c.ended).length + server.stats().bufferedBytes / 50_000 >= 9,
      "every partial message to be held or refused",
    );
    expect(server.stats().bufferedBytes).toBeLessThanOrEqual(maxBufferedBytes);
    const refused = clients.filter((c) => c.ended);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]!.messages).toMatchObject([{ id: null, error: { code: -32700 } }]);
    const good = await connectControl(address.socketPath);
    expect((await good.describe()).services).toHaveLength(2);
    await good.close();
    for (const client of clients) client.socket.destroy();
    await waitFor(() => server.stats().connections === 0, "every connection to go");
    expect(server.stats().bufferedBytes).toBe(0);
  });
});

describe("startControlServer: stopHost", () => {
  it("answers first, then tells the target to stop", async () => {
    const { address, server, target } = await host();
    const queuedWhenStopped: number[] = [];
    target.stopHost = () => void queuedWhenStopped.push(server.stats().queuedBytes);
    const client = raw(address.socketPath);
    await client.call("getCapabilities", {});
    expect(await client.call("stopHost", {})).toMatchObject({ result: { stopping: true } });
    await waitFor(() => queuedWhenStopped.length === 1, "stopHost on the target");
    // Nothing was left to write when the host began to stop: the answer was out.
    expect(queuedWhenStopped).toEqual([0]);
  });
});

describe("startControlServer: a client that reads too slowly", () => {
  it("drops log lines past the limit, then says how many, and keeps the connection", async () => {
    const limit = 64 * 1024;
    const { address, server, target } = await host({ limits: { logBacklogBytes: limit } });
    const slow = raw(address.socketPath);
    await slow.call("getCapabilities", {});
    await slow.call("followLogs", { tail: 0 });
    slow.socket.pause();
    const line = "y".repeat(1000);
    let peak = 0;
    for (let i = 0; i < 5000; i++) {
      target.emitLog("api", [line]);
      peak = Math.max(peak, server.stats().queuedBytes);
      if (i % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    expect(peak).toBeLessThan(limit + 2 * 1024);
    slow.socket.resume();
    type Batch = { dropped?: number; lines: { text: string }[] };
    const batches = () =>
      slow.messages.filter((m) => m.method === "logLines").map((m) => m.params as Batch);
    // Every line is either delivered or counted in a note.
    const accounted = () =>
      batches().reduce((sum, batch) => sum + (batch.dropped ?? batch.lines.length), 0);
    await waitFor(() => accounted() === 5000, "every line delivered or counted");
    const notes = batches().filter((batch) => batch.dropped);
    expect(notes.length).toBeGreaterThan(0);
    expect(notes[0]!.lines.map((l) => l.text)).toEqual([
      `berth: ${notes[0]!.dropped} log lines were dropped because this client read too slowly; the service's log file under .berth/logs/ has them all`,
    ]);
    target.emitLog("api", ["after"]);
    await waitFor(
      () => slow.messages.some((m) => JSON.stringify(m).includes('"after"')),
      "lines to flow again",
    );
    expect(slow.ended).toBe(false);
  });

  it("disconnects a client that lets other notifications pile up past the hard limit", async () => {
    const { address, server, target } = await host({ limits: { maxBacklogBytes: 64 * 1024 } });
    const slow = raw(address.socketPath);
    await slow.call("getCapabilities", {});
    await slow.call("watchServices", {});
    slow.socket.pause();
    for (let i = 0; i < 20_000 && !slow.ended; i++) {
      target.setState("api", i % 2 ? "ready" : "starting");
      if (i % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await waitFor(() => server.stats().connections === 0, "the server to drop it");
    expect(target.subscribers).toBe(0);
  });
});
