/**
 * The monitor and `listHosts` against real control servers (over `FakeTarget`s) and the
 * real client, in a temporary runtime dir.
 */
import { once } from "node:events";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { waitFor } from "../../test/helpers/processes.js";
import { appHostHash, socketStem } from "../control/address.js";
import { connectControl, type ControlClient } from "../control/client.js";
import { startFakeHost, type FakeHost } from "../../test/helpers/control-host.js";
import { appHostPathOf } from "./tracked.js";
import { processStartTime } from "../platform/process-info.js";
import { deadPid, staleSocket, writeSidecar } from "../../test/helpers/monitor-host.js";
import { listHosts } from "./list.js";
import { Monitor } from "./monitor.js";
import type { TrackedHost } from "./tracked.js";

let dir: string;
const hosts: FakeHost[] = [];
const servers: Server[] = [];
const monitors: Monitor[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "bm-"));
});
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((monitor) => monitor.stop()));
  await Promise.all(hosts.splice(0).map((host) => host.server.close()));
  for (const server of servers.splice(0)) server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function realHost(project: string): Promise<FakeHost> {
  const host = await startFakeHost({
    info: { appHostPath: `/p/${project}/berth.config.ts` },
    services: { api: {}, worker: { state: "starting", ready: false } },
    env: { BERTH_RUNTIME_DIR: dir },
  });
  hosts.push(host);
  return host;
}

/** A socket with a live, matching owner that accepts connections and never answers. */
async function silentHost(project: string): Promise<string> {
  const appHostPath = `/p/${project}/berth.config.ts`;
  const stem = join(dir, socketStem(appHostHash(appHostPath), process.pid));
  writeSidecar(`${stem}.json`, appHostPath, process.pid, processStartTime(process.pid)!);
  const server = createServer(() => {});
  servers.push(server);
  server.listen(`${stem}.sock`);
  await once(server, "listening");
  return `${stem}.sock`;
}

type RealHost = TrackedHost<ControlClient>;

function nextLive(monitor: Monitor, match: (host: RealHost) => boolean = () => true) {
  return new Promise<RealHost>((resolve) => {
    const off = monitor.on("changed", (host) => {
      if (host.status === "live" && match(host)) {
        off();
        resolve(host);
      }
    });
  });
}

describe("Monitor with the real control server and client", () => {
  it("connects to a new host, then follows its service changes", async () => {
    const monitor = new Monitor({ dirs: [dir], rescanMs: 60_000 });
    monitors.push(monitor);
    await monitor.start();
    const live = nextLive(monitor);
    const host = await realHost("shop");

    const seen = await live;
    expect(seen.info).toEqual(host.target.info());
    expect(seen.services?.map((s) => [s.name, s.state])).toEqual([
      ["api", "ready"],
      ["worker", "starting"],
    ]);
    expect(seen.client?.capabilities).toContain("berth.v1");

    const ready = nextLive(monitor, (h) => h.services?.[1]?.state === "ready");
    host.target.setState("worker", "ready");
    expect((await ready).services?.map((s) => s.state)).toEqual(["ready", "ready"]);
  });

  it("reports a host that stops as gone", async () => {
    const host = await realHost("leaving");
    const monitor = new Monitor({ dirs: [dir], rescanMs: 60_000 });
    monitors.push(monitor);
    const live = nextLive(monitor);
    await monitor.start();
    await live;
    const removed = new Promise<RealHost>((resolve) => monitor.on("removed", resolve));
    await host.server.close();
    expect(await removed).toMatchObject({ status: "gone", socketPath: host.address.socketPath });
    expect(monitor.hosts()).toEqual([]);
  });

  it("reports a host that never answers as unresponsive", async () => {
    const socketPath = await silentHost("hung");
    const monitor = new Monitor({ dirs: [dir], rescanMs: 60_000, timeoutMs: 300 });
    monitors.push(monitor);
    const unresponsive = new Promise<RealHost>((resolve) =>
      monitor.on("changed", (host) => host.status === "unresponsive" && resolve(host)),
    );
    await monitor.start();
    expect(await unresponsive).toMatchObject({ socketPath, status: "unresponsive" });
  });
});

describe("listHosts", () => {
  it("answers with every live host, its info and services, and closes its connections", async () => {
    const a = await realHost("a");
    const b = await realHost("b");
    const listed = await listHosts({ dirs: [dir] });
    expect(listed.map((h) => [h.info?.appHostPath, h.status, h.services?.length])).toEqual([
      ["/p/a/berth.config.ts", "live", 2],
      ["/p/b/berth.config.ts", "live", 2],
    ]);
    expect(listed.every((h) => h.client === undefined)).toBe(true);
    await waitFor(
      () => a.server.stats().connections + b.server.stats().connections === 0,
      "connections closed",
    );
  });

  it("marks a silent host unresponsive within its timeout, and deletes orphans on the way", async () => {
    await realHost("fine");
    const silent = await silentHost("silent");
    const pid = deadPid();
    const orphan = join(dir, socketStem(appHostHash("/p/crashed/berth.config.ts"), pid));
    writeSidecar(`${orphan}.json`, "/p/crashed/berth.config.ts", pid, "1");
    await staleSocket(`${orphan}.sock`);

    const started = performance.now();
    // The silent host lives in this test's own process, which is at work as the test runs:
    // judge it as a hung one is judged (a process that does nothing).
    const idle = () => () => false;
    const listed = await listHosts({ dirs: [dir], timeoutMs: 300, activity: idle });
    expect(performance.now() - started).toBeLessThan(1500);
    expect(listed.map((h) => [appHostPathOf(h), h.status])).toEqual([
      ["/p/fine/berth.config.ts", "live"],
      ["/p/silent/berth.config.ts", "unresponsive"],
    ]);
    // The silent host is known by its sidecar alone; the live one answered for itself.
    expect(listed.map((h) => h.sidecar?.appHostPath)).toEqual([
      undefined,
      "/p/silent/berth.config.ts",
    ]);
    expect(listed[1]!.socketPath).toBe(silent);
    expect(listed[1]!.error).toMatch(/did not answer/);
    expect(existsSync(`${orphan}.sock`)).toBe(false);
    expect(existsSync(`${orphan}.json`)).toBe(false);
  });

  it("calls a silent host still at work slow to answer, after its extra time", async () => {
    await silentHost("busy");
    const atWork = () => () => true;
    const [listed] = await listHosts({ dirs: [dir], timeoutMs: 50, activity: atWork });
    expect(listed).toMatchObject({
      status: "slow",
      sidecar: { appHostPath: "/p/busy/berth.config.ts" },
    });
    // Four more deadlines, then it is named slow, not hung.
    expect(listed!.error).toMatch(
      /is slow to answer: .* is at work but did not answer within 250 ms/,
    );
  });

  it("asks only the hosts of one project when given its hash, and no other", async () => {
    const mine = await realHost("mine");
    await realHost("other");
    await silentHost("silent");
    let asked: string[] = [];
    const connect = (socketPath: string, options: { timeoutMs: number }) => {
      asked.push(socketPath);
      return connectControl(socketPath, options);
    };
    const listed = await listHosts({
      dirs: [dir],
      hash: appHostHash("/p/mine/berth.config.ts"),
      connect,
    });
    expect(listed.map((h) => [h.info?.appHostPath, h.status])).toEqual([
      ["/p/mine/berth.config.ts", "live"],
    ]);
    expect(asked).toEqual([mine.address.socketPath]);
    asked = [];
    expect(await listHosts({ dirs: [dir], hash: "0000000000000000", connect })).toEqual([]);
    expect(asked).toEqual([]);
  });

  it("keeps connections open when asked, for commands that act on the host", async () => {
    const host = await realHost("kept");
    const [listed] = await listHosts({ dirs: [dir], keepOpen: true });
    expect((await listed!.client!.describe()).services).toHaveLength(2);
    await listed!.client!.close();
    await waitFor(() => host.server.stats().connections === 0, "connection closed");
  });

  it("lists fifty hosts", async () => {
    // Each server in this one process removes its files at exit, as each host does.
    process.setMaxListeners(70);
    for (let i = 0; i < 50; i++) await realHost(`many-${i}`);
    const listed = await listHosts({ dirs: [dir] });
    expect(listed).toHaveLength(50);
    expect(listed.every((h) => h.status === "live")).toBe(true);
  });

  it("answers with nothing when no host runs (and the folder does not exist)", async () => {
    expect(await listHosts({ dirs: [join(dir, "none")] })).toEqual([]);
  });
});
