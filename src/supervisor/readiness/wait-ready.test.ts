import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type RequestListener } from "node:http";
import { createServer as createTcpServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../clock.js";
import { BerthError, isBerthError } from "../../errors.js";
import type { ReadyCheck } from "../../model/app.js";
import { describeCheck } from "./describe.js";
import type { LogSubscribe } from "./log-watch.js";
import { waitUntilReady, type WaitingNotice } from "./wait-ready.js";
import { freeServerPort as freePort, listen, trackServer } from "../../../test/helpers/servers.js";

/** A server that starts listening on a known port only after `delayMs`, like a real service. */
async function listenLater(server: Server, delayMs: number, host = "127.0.0.1") {
  const port = await freePort(host);
  trackServer(server);
  const listening = new Promise<void>((resolve) => setTimeout(resolve, delayMs)).then(() =>
    listen(server, host, port).then(() => performance.now()),
  );
  return { port, listening };
}

const httpServer = (handler: RequestListener) => createHttpServer(handler);
const signal = () => new AbortController().signal;

const hasIpv6Loopback = await new Promise<boolean>((resolve) => {
  const server = createTcpServer();
  server.once("error", () => resolve(false));
  server.listen(0, "::1", () => server.close(() => resolve(true)));
});

/** Settles `promise` into a value the test can inspect synchronously. */
function observe(promise: Promise<void>) {
  const state: { settled: boolean; error?: unknown } = { settled: false };
  promise.then(
    () => (state.settled = true),
    (error: unknown) => Object.assign(state, { settled: true, error }),
  );
  return state;
}

describe("waitUntilReady with real services", () => {
  it("notices a TCP server that starts late", async () => {
    const { port, listening } = await listenLater(createTcpServer(), 300);
    await waitUntilReady({ check: { kind: "tcp", port, timeoutMs: 10_000 }, signal: signal() });
    expect(performance.now()).toBeGreaterThanOrEqual(await listening);
  });

  it("notices an HTTP server that starts late", async () => {
    const { port, listening } = await listenLater(
      httpServer((_, res) => res.end()),
      300,
    );
    const url = `http://127.0.0.1:${port}/`;
    await waitUntilReady({ check: { kind: "http", url, timeoutMs: 10_000 }, signal: signal() });
    expect(performance.now()).toBeGreaterThanOrEqual(await listening);
  });

  it.skipIf(!hasIpv6Loopback)("notices a server bound only on ::1", async () => {
    const { port } = await listenLater(
      httpServer((_, res) => res.end()),
      200,
      "::1",
    );
    const check: ReadyCheck = {
      kind: "http",
      url: `http://127.0.0.1:${port}/`,
      status: 200,
      timeoutMs: 10_000,
    };
    await waitUntilReady({ check, signal: signal() });
    await waitUntilReady({ check: { kind: "tcp", port, timeoutMs: 10_000 }, signal: signal() });
  });

  it("waits for the expected status (503, then 200)", async () => {
    const readyAt = performance.now() + 400;
    const port = await listen(
      httpServer((_, res) => res.writeHead(performance.now() < readyAt ? 503 : 200).end()),
      "127.0.0.1",
    );
    const check: ReadyCheck = {
      kind: "http",
      url: `http://127.0.0.1:${port}/health`,
      status: 200,
      timeoutMs: 10_000,
    };
    await waitUntilReady({ check, signal: signal() });
    expect(performance.now()).toBeGreaterThanOrEqual(readyAt);
  });

  /** An identity check for "instance-a" against a server that answers `answer`. */
  async function identityCheck(answer: string, timeoutMs: number): Promise<ReadyCheck> {
    const port = await listen(
      httpServer((_, res) => res.end(answer)),
      "127.0.0.1",
    );
    const url = `http://127.0.0.1:${port}/identity`;
    return { kind: "http", url, status: 200, body: "instance-a", timeoutMs };
  }

  it("is ready when the port answers with this instance's name", async () => {
    const check = await identityCheck("instance-a\n", 10_000);
    await waitUntilReady({ check, signal: signal() });
  });

  it("fails at once, not after the timeout, when another instance answers", async () => {
    const check = await identityCheck("instance-b", 60_000);
    const started = performance.now();
    const error = await waitUntilReady({ check, signal: signal() }).catch((e: unknown) => e);
    expect(isBerthError(error, "IDENTITY_MISMATCH")).toBe(true);
    expect((error as Error).message).toContain('returned "instance-b", expected "instance-a"');
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("runs a command check until it exits 0 (`test -f`)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "berth-ready-"));
    const file = join(dir, "ready");
    setTimeout(() => writeFileSync(file, ""), 300);
    const script = "test -f ready";
    const check: ReadyCheck = {
      kind: "command",
      command: { file: "/bin/sh", args: ["-c", script], display: script },
      timeoutMs: 10_000,
    };
    await waitUntilReady({ check, signal: signal(), cwd: dir });
    expect(existsSync(file)).toBe(true);
  });
});

/** A fake output stream: `emit` sends lines to whoever subscribed. */
function fakeLog(replay: string[] = []) {
  const listeners = new Set<(lines: string[]) => void>();
  const subscribe: LogSubscribe = (listener) => {
    if (replay.length > 0) listener(replay);
    listeners.add(listener);
    return () => listeners.delete(listener);
  };
  const emit = (...lines: string[]) => listeners.forEach((listener) => listener(lines));
  return { subscribe, emit, listeners };
}

describe("waitUntilReady with a log check", () => {
  it("is ready on the first matching line, without polling", async () => {
    const clock = new ManualClock();
    const log = fakeLog();
    const check: ReadyCheck = { kind: "log", pattern: /listening on \d+/g, timeoutMs: 30_000 };
    const wait = observe(
      waitUntilReady({ check, clock, signal: signal(), logLines: log.subscribe }),
    );
    // Only the deadline and the first notice: nothing polls.
    expect(clock.pending).toBe(2);
    log.emit("compiling…", "still compiling");
    await clock.advance(0);
    expect(wait.settled).toBe(false);
    log.emit("listening on 3000");
    await clock.advance(0);
    expect(wait).toEqual({ settled: true });
    expect(log.listeners.size).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it("matches a coloured line as it reads without colour (FORCE_COLOR)", async () => {
    const log = fakeLog();
    const check: ReadyCheck = { kind: "log", pattern: /listening on \d+/, timeoutMs: 30_000 };
    const wait = observe(waitUntilReady({ check, signal: signal(), logLines: log.subscribe }));
    log.emit("listening on \u001b[33m3000\u001b[39m");
    await new Promise((resolve) => setImmediate(resolve));
    expect(wait).toEqual({ settled: true });
  });

  it("sees a line replayed while subscribing", async () => {
    const log = fakeLog(["ready"]);
    const check: ReadyCheck = { kind: "log", pattern: /ready/, timeoutMs: 30_000 };
    await waitUntilReady({ check, signal: signal(), logLines: log.subscribe });
    expect(log.listeners.size).toBe(0);
  });
});

describe("waitUntilReady timing (manual clock)", () => {
  it("times out exactly after check.timeoutMs, saying what it waited on", async () => {
    const clock = new ManualClock();
    const log = fakeLog();
    const check: ReadyCheck = { kind: "log", pattern: /listening/, timeoutMs: 3_000 };
    const wait = observe(
      waitUntilReady({ check, clock, signal: signal(), logLines: log.subscribe, service: "api" }),
    );
    log.emit("compiling");
    await clock.advance(2_999);
    expect(wait.settled).toBe(false);
    await clock.advance(1);
    expect(isBerthError(wait.error, "READY_TIMEOUT")).toBe(true);
    expect((wait.error as Error).message).toBe(
      "Service api was not ready within 3 s: waited for a log line matching /listening/ " +
        '(last line "compiling"). Check its log for what it is doing, or raise ready.timeout ' +
        "in the config if it needs longer to start.",
    );
    expect(clock.pending).toBe(0);
  });

  it("names the last probe outcome when a probe check times out", async () => {
    const clock = new ManualClock();
    const port = await freePort();
    const check: ReadyCheck = { kind: "tcp", port, timeoutMs: 30_000 };
    const wait = observe(waitUntilReady({ check, clock, signal: signal() }));
    // Let the first (real) probe answer; the next one then waits on the manual clock.
    while (clock.pending < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    await clock.advance(29_999);
    expect(wait.settled).toBe(false);
    await clock.advance(1);
    expect((wait.error as BerthError).code).toBe("READY_TIMEOUT");
    expect((wait.error as Error).message).toContain(
      `The service was not ready within 30 s: waited for TCP 127.0.0.1:${port} ` +
        "(last probe: connection refused).",
    );
  });

  it("says what it waits on after 2 s, then every 5 s", async () => {
    const clock = new ManualClock();
    const log = fakeLog();
    const notices: WaitingNotice[] = [];
    const check: ReadyCheck = { kind: "log", pattern: /listening/, timeoutMs: 60_000 };
    const wait = observe(
      waitUntilReady({
        check,
        clock,
        signal: signal(),
        logLines: log.subscribe,
        onWaiting: (notice) => notices.push(notice),
      }),
    );
    await clock.advance(1_999);
    expect(notices).toEqual([]);
    await clock.advance(1);
    expect(notices).toEqual([{ on: "a log line matching /listening/", elapsedMs: 2_000 }]);
    log.emit("migrating");
    await clock.advance(5_000);
    expect(notices[1]).toEqual({
      on: "a log line matching /listening/",
      elapsedMs: 7_000,
      last: 'last line "migrating"',
    });
    log.emit("listening");
    await clock.advance(0);
    expect(wait).toEqual({ settled: true });
  });

  it("stops at once with the signal's reason when aborted", async () => {
    const clock = new ManualClock();
    const port = await freePort();
    const controller = new AbortController();
    const check: ReadyCheck = { kind: "tcp", port, timeoutMs: 30_000 };
    const wait = observe(waitUntilReady({ check, clock, signal: controller.signal }));
    while (clock.pending < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    const exited = new Error("exited before it was ready");
    controller.abort(exited);
    await clock.advance(0);
    expect(wait).toEqual({ settled: true, error: exited });
    expect(clock.pending).toBe(0);
  });

  it("rejects at once when the signal is already aborted", async () => {
    const reason = new Error("stopped");
    const check: ReadyCheck = { kind: "tcp", port: 1, timeoutMs: 30_000 };
    await expect(waitUntilReady({ check, signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });
});

describe("describeCheck", () => {
  it("says each kind in words", () => {
    const url = "http://127.0.0.1:3000/health";
    expect(describeCheck({ kind: "http", url, status: 200, timeoutMs: 1 })).toBe(
      "HTTP 200 from http://127.0.0.1:3000/health",
    );
    expect(describeCheck({ kind: "http", url, body: "inst", timeoutMs: 1 })).toBe(
      'HTTP 2xx/3xx from http://127.0.0.1:3000/health with body "inst"',
    );
    expect(describeCheck({ kind: "tcp", port: 5432, timeoutMs: 1 })).toBe("TCP 127.0.0.1:5432");
    expect(describeCheck({ kind: "log", pattern: /listening/, timeoutMs: 1 })).toBe(
      "a log line matching /listening/",
    );
    const command = { file: "/bin/sh", args: ["-c", "pg_isready"], display: "pg_isready" };
    expect(describeCheck({ kind: "command", command, timeoutMs: 1 })).toBe("command `pg_isready`");
  });
});
