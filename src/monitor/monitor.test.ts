import { once } from "node:events";
import { existsSync, mkdtempSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { spawnTracked, waitFor } from "../../test/helpers/processes.js";
import { ManualClock } from "../clock.js";
import { appHostHash, socketStem } from "../control/address.js";
import { processStartTime } from "../platform/process-info.js";
import type { ConnectFn, HostConnection } from "./connection.js";
import {
  deadPid,
  fakeConnect,
  staleSocket,
  startFakeHost,
  writeSidecar,
  type FakeHost,
  type FakeHostOptions,
} from "../../test/helpers/monitor-host.js";
import { Monitor, type MonitorEvent, type MonitorOptions } from "./monitor.js";
import type { TrackedHost } from "./tracked.js";

let dir: string;
const hosts: FakeHost[] = [];
type FakeMonitor = Monitor<HostConnection>;
const monitors: FakeMonitor[] = [];
const myStart = processStartTime(process.pid)!;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "bm-"));
});
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((monitor) => monitor.stop()));
  await Promise.all(hosts.splice(0).map((host) => host.close()));
  rmSync(dir, { recursive: true, force: true });
});

function monitorOf(options: MonitorOptions<HostConnection> = {}): FakeMonitor {
  // A long rescan interval: what is found here is found by the watch (or the poll when asked).
  const monitor = new Monitor<HostConnection>({
    connect: fakeConnect,
    dirs: [dir],
    rescanMs: 60_000,
    ...options,
  });
  monitors.push(monitor);
  return monitor;
}

async function fakeHost(
  project: string,
  options: Partial<FakeHostOptions> = {},
): Promise<FakeHost> {
  const host = await startFakeHost({
    dir,
    appHostPath: `/p/${project}/berth.config.ts`,
    ...options,
  });
  hosts.push(host);
  return host;
}

type Recorded = [MonitorEvent, TrackedHost];

function record(monitor: FakeMonitor): Recorded[] {
  const events: Recorded[] = [];
  for (const event of ["added", "changed", "removed"] as const) {
    monitor.on(event, (host) => events.push([event, host]));
  }
  return events;
}

/** Resolves with the first host of `event` that satisfies `match`. */
function next(
  monitor: FakeMonitor,
  event: MonitorEvent,
  match: (host: TrackedHost) => boolean = () => true,
  timeoutMs = 5000,
): Promise<TrackedHost> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${event} event within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = monitor.on(event, (host) => {
      if (!match(host)) return;
      off();
      clearTimeout(timer);
      resolve(host);
    });
  });
}

const isLive = (host: TrackedHost) => host.status === "live";

describe("Monitor: discovery", () => {
  it("finds a new host through the watch and connects to it", async () => {
    const monitor = monitorOf();
    const events = record(monitor);
    await monitor.start();
    expect(monitor.hosts()).toEqual([]);

    const live = next(monitor, "changed", isLive);
    const host = await fakeHost("new", {
      services: [{ name: "api", state: "ready" } as never],
    });
    const seen = await live;

    expect(seen).toMatchObject({
      socketPath: host.socketPath,
      hash: appHostHash("/p/new/berth.config.ts"),
      pid: process.pid,
      sidecar: { appHostPath: "/p/new/berth.config.ts" },
      status: "live",
      info: host.info,
      services: [{ name: "api", state: "ready" }],
    });
    expect(events.map(([event, h]) => [event, h.status])).toEqual([
      ["added", "connecting"],
      ["changed", "live"],
    ]);
    expect(monitor.hosts()).toEqual([expect.objectContaining({ status: "live", info: host.info })]);
  });

  it("finds the hosts already running when it starts", async () => {
    const a = await fakeHost("a");
    const b = await fakeHost("b");
    const monitor = monitorOf();
    const lives = new Set<string>();
    const both = new Promise<void>((resolve) =>
      monitor.on("changed", (host) => {
        if (isLive(host)) lives.add(host.socketPath);
        if (lives.size === 2) resolve();
      }),
    );
    await monitor.start();
    expect(monitor.hosts().map((h) => h.socketPath)).toEqual([a.socketPath, b.socketPath]);
    await both;
  });

  it("reports a host that went away as removed, with status gone", async () => {
    const host = await fakeHost("leaving");
    const monitor = monitorOf();
    const live = next(monitor, "changed", isLive);
    await monitor.start();
    await live;

    const removed = next(monitor, "removed");
    await host.close();
    expect(await removed).toMatchObject({ socketPath: host.socketPath, status: "gone" });
    expect(monitor.hosts()).toEqual([]);
  });

  it("reconnects when the connection drops while the socket stays", async () => {
    const host = await fakeHost("flaky");
    const monitor = monitorOf();
    const live = next(monitor, "changed", isLive);
    await monitor.start();
    await live;

    const events = record(monitor);
    const again = next(monitor, "changed", isLive);
    host.dropConnections();
    await again;
    expect(events.map(([event, h]) => [event, h.status])).toEqual([
      ["changed", "connecting"],
      ["changed", "live"],
    ]);
    expect(host.connections).toBe(2);
  });

  it("tracks two hosts of one project (same hash) apart by socket path", async () => {
    const child = spawnTracked(process.execPath, ["-e", "setInterval(() => {}, 1000)"]);
    await once(child, "spawn");
    const monitor = monitorOf();
    await monitor.start();
    const first = next(monitor, "changed", (h) => isLive(h) && h.pid === process.pid);
    const second = next(monitor, "changed", (h) => isLive(h) && h.pid === child.pid);
    await fakeHost("twice");
    await fakeHost("twice", { pid: child.pid!, startTime: processStartTime(child.pid!)! });
    await Promise.all([first, second]);
    const tracked = monitor.hosts();
    expect(tracked).toHaveLength(2);
    expect(new Set(tracked.map((h) => h.hash)).size).toBe(1);
  });

  it("creates a missing runtime dir (mode 0700) and watches it", async () => {
    const runtime = join(dir, "run");
    const monitor = monitorOf({ dirs: [runtime] });
    await monitor.start();
    expect(statSync(runtime).mode & 0o777).toBe(0o700);
    const live = next(monitor, "changed", isLive);
    hosts.push(await startFakeHost({ dir: runtime, appHostPath: "/p/made/berth.config.ts" }));
    await live;
  });

  it("polls every second where the folder cannot be watched", async () => {
    const clock = new ManualClock();
    const unavailable = () => {
      throw Object.assign(new Error("watch unavailable"), { code: "ENOSYS" });
    };
    const monitor = monitorOf({ clock, watch: unavailable });
    await monitor.start();
    await fakeHost("polled");
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(monitor.hosts()).toEqual([]);

    const added = next(monitor, "added");
    await clock.advance(999);
    expect(monitor.hosts()).toEqual([]);
    await clock.advance(1);
    await added;
  });

  it("stops: closes every connection and reports nothing more", async () => {
    const host = await fakeHost("stopping");
    const monitor = monitorOf();
    const live = next(monitor, "changed", isLive);
    await monitor.start();
    await live;
    const events = record(monitor);
    await monitor.stop();
    await host.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(events).toEqual([]);
    expect(monitor.hosts()).toEqual([]);
  });
});

describe("Monitor: orphans and stale hosts", () => {
  it("deletes what a host killed with SIGKILL left, and reports it gone", async () => {
    const appHostPath = "/p/crashing/berth.config.ts";
    const hash = appHostHash(appHostPath);
    // A host in another process: writes no sidecar itself (the test does, with its PID),
    // listens when told, answers the fake protocol's info and services.
    const child = spawnTracked(
      process.execPath,
      [
        "-e",
        `const net = require("node:net");
         const [dir, hash] = process.argv.slice(1);
         const server = net.createServer((s) => s.on("data", (d) => {
           for (const line of String(d).split("\\n").filter(Boolean)) {
             const { id } = JSON.parse(line);
             s.write(JSON.stringify({ id, result: { host: { pid: process.pid }, services: [] } }) + "\\n");
           }
         }));
         process.stdin.once("data", () => server.listen(dir + "/" + hash + "." + process.pid + ".sock"));`,
        dir,
        hash,
      ],
      { stdio: ["pipe", "ignore", "inherit"] },
    );
    await once(child, "spawn");
    const pid = child.pid!;
    const socketPath = join(dir, `${socketStem(hash, pid)}.sock`);
    const sidecarPath = join(dir, `${socketStem(hash, pid)}.json`);
    writeSidecar(sidecarPath, appHostPath, pid, processStartTime(pid)!);

    const monitor = monitorOf();
    await monitor.start();
    const live = next(monitor, "changed", isLive);
    child.stdin!.write("go\n");
    expect(await live).toMatchObject({ pid, info: { pid } });

    const removed = next(monitor, "removed");
    child.kill("SIGKILL");
    expect(await removed).toMatchObject({ socketPath, status: "gone" });
    expect(existsSync(socketPath)).toBe(false);
    expect(existsSync(sidecarPath)).toBe(false);
  });

  it("deletes a stale socket whose PID is dead or reused, never reporting it live", async () => {
    const monitor = monitorOf();
    const events = record(monitor);
    await monitor.start();
    const pid = deadPid();
    const dead = join(dir, socketStem(appHostHash("/p/dead/berth.config.ts"), pid));
    writeSidecar(`${dead}.json`, "/p/dead/berth.config.ts", pid, "1");
    await staleSocket(`${dead}.sock`);
    const reused = join(dir, socketStem(appHostHash("/p/reused/berth.config.ts"), process.pid));
    writeSidecar(`${reused}.json`, "/p/reused/berth.config.ts", process.pid, `${myStart}0`);
    await staleSocket(`${reused}.sock`);

    await waitFor(() => !existsSync(`${dead}.sock`) && !existsSync(`${reused}.sock`), "clean-up");
    expect(existsSync(`${dead}.json`)).toBe(false);
    expect(existsSync(`${reused}.json`)).toBe(false);
    await waitFor(() => monitor.hosts().length === 0, "hosts removed");
    expect(events.filter(([, host]) => host.status === "live")).toEqual([]);
  });

  it("deletes a plain file where a socket should be, without tracking it", async () => {
    const monitor = monitorOf();
    const events = record(monitor);
    await monitor.start();
    const path = join(
      dir,
      `${socketStem(appHostHash("/p/plain/berth.config.ts"), deadPid())}.sock`,
    );
    writeFileSync(path, "");
    await waitFor(() => !existsSync(path), "the plain file deleted");
    expect(events).toEqual([]);
  });

  it("leaves a host that is starting alone, then connects once it listens", async () => {
    const monitor = monitorOf();
    await monitor.start();
    const stem = join(dir, socketStem(appHostHash("/p/slow/berth.config.ts"), process.pid));
    writeSidecar(`${stem}.json`, "/p/slow/berth.config.ts", process.pid, myStart);
    await new Promise((resolve) => setTimeout(resolve, 300)); // past the orphan re-check
    expect(existsSync(`${stem}.json`)).toBe(true);
    const live = next(monitor, "changed", isLive);
    await fakeHost("slow");
    expect((await live).socketPath).toBe(`${stem}.sock`);
  });

  it("reports a host that accepts but never answers as unresponsive within about 2 s, without holding up others", async () => {
    const monitor = monitorOf();
    await monitor.start();
    const started = performance.now();
    const unresponsive = next(monitor, "changed", (h) => h.status === "unresponsive");
    const live = next(monitor, "changed", isLive);
    const silent = await fakeHost("silent", { answer: false });
    await fakeHost("fine");

    expect((await live).sidecar?.appHostPath).toBe("/p/fine/berth.config.ts");
    expect(performance.now() - started).toBeLessThan(1000);
    const host = await unresponsive;
    const elapsed = performance.now() - started;
    expect(host).toMatchObject({ socketPath: silent.socketPath, status: "unresponsive" });
    // 2000 ms, or a multiple when this process's own timers ran late on a busy machine (the
    // client then waits again rather than blame the host): the message says which.
    const waited = Number(/did not answer within (\d+) ms/.exec(host.error ?? "")?.[1]);
    expect(waited % 2000).toBe(0);
    expect(elapsed).toBeGreaterThanOrEqual(1900);
    expect(elapsed).toBeLessThan(waited + 1000);
  });
});

describe("Monitor: reconnect back-off", () => {
  /** A manual clock that records the back-off's delays (the only timers under 2 s here). */
  class RecordingClock extends ManualClock {
    readonly delays: number[] = [];
    override setTimeout(callback: () => void, ms: number): () => void {
      if (ms < 2000) this.delays.push(ms);
      return super.setTimeout(callback, ms);
    }
  }

  it("retries a refused socket of a live host at 10, 20, 40… 1000 ms, gives up at 3 s, and retries on the next scan", async () => {
    const clock = new RecordingClock();
    const attempts: number[] = [];
    const connect: ConnectFn = (path, options) => {
      attempts.push(clock.now());
      return fakeConnect(path, options);
    };
    // The owner is alive and its start time matches: not an orphan, just not listening.
    const stem = join(dir, socketStem(appHostHash("/p/refusing/berth.config.ts"), process.pid));
    writeSidecar(`${stem}.json`, "/p/refusing/berth.config.ts", process.pid, myStart);
    await staleSocket(`${stem}.sock`);
    const monitor = monitorOf({ clock, connect });
    const gaveUp = next(monitor, "changed", (h) => h.status === "unresponsive");
    await monitor.start();

    for (let i = 1; i <= 9; i++) {
      await waitFor(() => clock.delays.length === i, `back-off delay ${i}`);
      await clock.advance(clock.delays[i - 1]!);
    }
    expect(await gaveUp).toMatchObject({ status: "unresponsive" });
    expect(clock.delays).toEqual([10, 20, 40, 80, 160, 320, 640, 1000, 730]);
    expect(attempts).toEqual([0, 10, 30, 70, 150, 310, 630, 1270, 2270, 3000]);

    // It listens now; the next scan (the watch sees the new socket) tries again.
    unlinkSync(`${stem}.sock`);
    const live = next(monitor, "changed", isLive);
    await fakeHost("refusing");
    await live;
  });
});
