import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { freePort, makeApp, states, supervisorsPerTest } from "./helpers/app.js";
import { isAlive, track, waitFor } from "./helpers/processes.js";

const start = supervisorsPerTest();

const httpReady = (port: number, timeoutMs = 10_000) =>
  ({ kind: "http", url: `http://127.0.0.1:${port}/`, timeoutMs }) as const;

describe("Supervisor", () => {
  it("starts services in dependency order and independent ones in parallel", async () => {
    const [db, cache, api] = await Promise.all([freePort(), freePort(), freePort()]);
    const app = makeApp({
      db: { run: ["server.mjs"], env: { PORT: String(db), DELAY_MS: "300" }, ready: httpReady(db) },
      cache: {
        run: ["server.mjs"],
        env: { PORT: String(cache), DELAY_MS: "300" },
        ready: httpReady(cache),
      },
      api: {
        run: ["server.mjs"],
        env: { PORT: String(api) },
        ready: httpReady(api),
        dependsOn: [
          { name: "db", condition: "ready" },
          { name: "cache", condition: "ready" },
        ],
      },
    });
    const { supervisor, events } = start(app);
    await supervisor.start();

    const order = events.flatMap((e) => (e.type === "state" ? [`${e.service}:${e.state}`] : []));
    const at = (entry: string) => order.indexOf(entry);
    // db and cache both started before either was ready: they ran side by side.
    expect(at("db:starting")).toBeLessThan(at("cache:ready"));
    expect(at("cache:starting")).toBeLessThan(at("db:ready"));
    // api started only once both were ready.
    expect(at("api:starting")).toBeGreaterThan(at("db:ready"));
    expect(at("api:starting")).toBeGreaterThan(at("cache:ready"));
    expect(supervisor.services().map((s) => s.state)).toEqual(["ready", "ready", "ready"]);
  });

  it("waits for a oneshot to complete, and fails dependents when it does not", async () => {
    const port = await freePort();
    // A migration with this exit environment, and an api that waits for it to complete.
    const migrateThenApi = (env: Record<string, string>) =>
      makeApp({
        migrate: { run: ["exit.mjs"], oneshot: true, env },
        api: {
          run: ["server.mjs"],
          env: { PORT: String(port) },
          dependsOn: [{ name: "migrate", condition: "completed" }],
        },
      });
    const good = migrateThenApi({ EXIT_CODE: "0", DELAY_MS: "100" });
    const first = start(good);
    await first.supervisor.start();
    expect(states(first.events, "migrate")).toEqual(["starting", "completed"]);
    expect(states(first.events, "api")).toContain("ready");
    await first.supervisor.stop();

    const bad = migrateThenApi({ EXIT_CODE: "3" });
    const second = start(bad);
    await second.supervisor.start();
    const api = second.supervisor.services().find((s) => s.name === "api")!;
    expect(api.state).toBe("failed");
    expect(api.reason).toBe("dependency migrate did not complete successfully");
    expect(states(second.events, "api")).not.toContain("starting");
  });

  it("fails a service that exits before it is ready at once, with its last log lines", async () => {
    const port = await freePort();
    const app = makeApp({
      api: { run: ["exit.mjs"], env: { DELAY_MS: "50" }, ready: httpReady(port, 30_000) },
    });
    const { supervisor, events } = start(app);
    const began = Date.now();
    await supervisor.start();
    expect(Date.now() - began).toBeLessThan(5000);
    const failed = events.find((e) => e.type === "state" && e.state === "failed");
    expect(failed).toMatchObject({ reason: "exited before it was ready (exited with code 1)" });
    const lines = events.find((e) => e.type === "message" && e.level === "error");
    expect(lines).toMatchObject({
      details: ["starting up", "fatal: cannot open database (exit 1)"],
    });
  });

  it("restarts a crashed service with back-off, then gives up on a crash loop while others run", async () => {
    const [flaky, steady] = await Promise.all([freePort(), freePort()]);
    const app = makeApp({
      flaky: {
        run: ["server.mjs"],
        env: { PORT: String(flaky), CRASH_AFTER_MS: "30" },
        ready: httpReady(flaky),
        restart: {
          policy: "on-failure",
          maxRestarts: 3,
          windowMs: 60_000,
          initialDelayMs: 20,
          maxDelayMs: 100,
        },
      },
      steady: { run: ["server.mjs"], env: { PORT: String(steady) }, ready: httpReady(steady) },
    });
    const { supervisor, events } = start(app);
    await supervisor.start();
    await waitFor(
      () => supervisor.services()[0]!.state === "failed",
      "the crash loop to be detected",
    );

    const flakyStates = states(events, "flaky");
    expect(flakyStates.filter((s) => s === "restarting")).toHaveLength(3);
    expect(flakyStates.at(-1)).toBe("failed");
    expect(supervisor.services()[0]!.reason).toMatch(/crash loop: restarted 3 times within 60 s/);
    const delays = events.flatMap((e) =>
      e.type === "state" && e.state === "restarting" ? [e.reason] : [],
    );
    expect(delays).toEqual([
      "exited with code 1; restarting in 20 ms (1/3)",
      "exited with code 1; restarting in 40 ms (2/3)",
      "exited with code 1; restarting in 80 ms (3/3)",
    ]);
    expect(supervisor.services()[1]!.state).toBe("ready");
    expect(supervisor.anyFailed).toBe(true);
  });

  it("stops grandchildren with their service, and stops dependents first", async () => {
    const [dbPort, apiPort] = await Promise.all([freePort(), freePort()]);
    const app = makeApp({
      db: {
        run: ["server.mjs"],
        env: { PORT: String(dbPort) },
        ready: httpReady(dbPort),
      },
      api: {
        run: ["server.mjs"],
        env: { PORT: String(apiPort), GRANDCHILD: "" },
        ready: httpReady(apiPort),
        dependsOn: [{ name: "db", condition: "ready" }],
      },
    });
    const pidFile = join(app.projectDir, "grandchild.pid");
    app.services[1]!.env.GRANDCHILD = pidFile;
    const { supervisor, events } = start(app);
    await supervisor.start();
    const grandchild = Number(readFileSync(pidFile, "utf8"));
    track(grandchild);
    expect(isAlive(grandchild)).toBe(true);

    await supervisor.stop();
    expect(isAlive(grandchild)).toBe(false);
    const stops = events.flatMap((e) =>
      e.type === "state" && (e.state === "stopping" || e.state === "stopped")
        ? [`${e.service}:${e.state}`]
        : [],
    );
    expect(stops.indexOf("api:stopped")).toBeLessThan(stops.indexOf("db:stopping"));
  });

  it("sends SIGKILL to a service that ignores SIGTERM after its grace period", async () => {
    const port = await freePort();
    const app = makeApp({
      stubborn: {
        run: ["server.mjs"],
        env: { PORT: String(port), IGNORE_TERM: "1" },
        ready: httpReady(port),
        stop: { signal: "SIGTERM", graceMs: 300 },
      },
    });
    const { supervisor } = start(app);
    await supervisor.start();
    const pid = supervisor.services()[0]!.pid!;
    const began = Date.now();
    await supervisor.stop();
    const took = Date.now() - began;
    expect(isAlive(pid)).toBe(false);
    expect(took).toBeGreaterThanOrEqual(290);
    expect(supervisor.tail("stubborn", 5).map((l) => l.text)).toContain("ignoring SIGTERM");
  });

  it("marks a service ready on its log line and keeps its output", async () => {
    const app = makeApp({
      worker: {
        run: ["forever.mjs"],
        ready: { kind: "log", pattern: /^forever \d+$/, timeoutMs: 10_000 },
      },
    });
    const { supervisor, events } = start(app);
    await supervisor.start();
    expect(supervisor.services()[0]!.state).toBe("ready");
    const logs = events.filter((e) => e.type === "log");
    expect(logs[0]).toMatchObject({ service: "worker", stream: "stdout" });
    await supervisor.stop();
    expect(readFileSync(app.services[0]!.logFile, "utf8")).toMatch(/forever \d+/);
  });
});

describe("Supervisor, one service at a time", () => {
  it("stops, starts and restarts one service while the others keep running", async () => {
    const [a, b] = await Promise.all([freePort(), freePort()]);
    const app = makeApp({
      db: { run: ["server.mjs"], env: { PORT: String(a) }, ready: httpReady(a) },
      api: {
        run: ["server.mjs"],
        env: { PORT: String(b) },
        ready: httpReady(b),
        dependsOn: [{ name: "db", condition: "ready" }],
      },
    });
    const { supervisor } = start(app);
    await supervisor.start();
    const firstPid = supervisor.services()[0]!.pid!;

    const stopped = await supervisor.stopService("db");
    expect(stopped.state).toBe("stopped");
    expect(isAlive(firstPid)).toBe(false);
    expect(supervisor.services()[1]!.state).toBe("ready");
    // A service stopped on request may come back: the app is not finished.
    expect(supervisor.finished).toBe(false);

    const started = await supervisor.startService("db");
    expect(started.state).toBe("ready");
    expect(started.pid).not.toBe(firstPid);

    const restarted = await supervisor.restartService("db");
    expect(restarted.state).toBe("ready");
    expect(restarted.pid).not.toBe(started.pid);
    expect(isAlive(started.pid!)).toBe(false);
  });

  it("keeps dependents waiting when a dependency that is not ready yet is restarted", async () => {
    const [a, b] = await Promise.all([freePort(), freePort()]);
    const app = makeApp({
      db: { run: ["server.mjs"], env: { PORT: String(a), DELAY_MS: "600" }, ready: httpReady(a) },
      api: {
        run: ["server.mjs"],
        env: { PORT: String(b) },
        ready: httpReady(b),
        dependsOn: [{ name: "db", condition: "ready" }],
      },
    });
    const { supervisor } = start(app);
    const started = supervisor.start();
    await waitFor(() => supervisor.services()[0]!.state === "starting", "db to start");
    await supervisor.restartService("db");
    await started;
    expect(supervisor.services().map((s) => s.state)).toEqual(["ready", "ready"]);
  });
});
