import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { spawnTracked, track } from "../../test/helpers/processes.js";
import { fixturesDir } from "../../test/helpers/project.js";
import { isAlive, processStartTime } from "../platform/process-info.js";
import { cleanupLeftovers } from "./leftovers.js";
import type { HostRecord, ServiceProcessRecord } from "./lock.js";

const linux = process.platform === "linux";

/** The first `count` lines a child prints. */
function lines(child: ChildProcess, count: number): Promise<number[]> {
  return new Promise((resolve) => {
    let text = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      const all = text.split("\n").filter(Boolean);
      if (all.length >= count) resolve(all.slice(0, count).map(Number));
    });
  });
}

/**
 * A service as berth starts it (leader of its own group, run id in its environment) with
 * a child in its group, a grandchild that left the group (setsid), and one that ignores
 * SIGTERM. Resolves to the service's record and every PID of its tree.
 */
async function serviceTree(
  runId: string,
): Promise<{ record: ServiceProcessRecord; pids: number[] }> {
  // The last one prints its own pid once it ignores SIGTERM, so no signal can come first.
  const script =
    "sleep 300 & echo $!; setsid sleep 300 & echo $!; " +
    "sh -c 'trap \"\" TERM; echo $$; exec sleep 300' & wait";
  const leader = spawnTracked("sh", ["-c", script], {
    env: { ...process.env, BERTH_RUN_ID: runId },
    stdio: ["ignore", "pipe", "ignore"],
  });
  const children = await lines(leader, 3);
  children.forEach(track);
  const pid = leader.pid!;
  return {
    record: { pid, pgid: pid, startTime: processStartTime(pid)! },
    pids: [pid, ...children],
  };
}

function staleHost(runId: string, services: Record<string, ServiceProcessRecord>): HostRecord {
  return {
    pid: 999_999,
    startTime: "1",
    startedAt: new Date().toISOString(),
    appHostPath: "/home/me/shop/berth.config.ts",
    runId,
    services,
  };
}

describe.runIf(linux)("cleanupLeftovers by run id", () => {
  it("kills the whole tree of a crashed run and leaves everything else alone", async () => {
    const runId = `crashed-${process.pid}-${Date.now()}`;
    const { record, pids } = await serviceTree(runId);
    const unrelated = spawnTracked("sleep", ["300"]);
    const otherRun = spawnTracked("sleep", ["300"], {
      env: { ...process.env, BERTH_RUN_ID: `${runId}-other` },
    });
    const messages: string[] = [];

    const killed = await cleanupLeftovers(staleHost(runId, { api: record }), {
      log: (m) => messages.push(m),
      graceMs: 300,
    });

    expect(killed.sort((a, b) => a - b)).toEqual([...pids].sort((a, b) => a - b));
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    expect(isAlive(unrelated.pid!)).toBe(true);
    expect(isAlive(otherRun.pid!)).toBe(true);
    expect(messages).toEqual([
      "api did not stop within 300 ms of SIGTERM; killed",
      "cleaned up 4 processes left by a crashed berth (PID 999999)",
    ]);
  });
});

/**
 * slow-stop.sh: takes 1.2 s to shut down after SIGINT (far beyond the 300 ms given to
 * services whose stop is not recorded) and ignores SIGTERM, so only its own stop signal
 * and timeout end it cleanly.
 */
async function graceful(log: string, env: Record<string, string> = {}) {
  const child = spawnTracked("sh", [join(fixturesDir, "slow-stop.sh")], {
    env: { ...process.env, LOG: log, ...env },
    stdio: ["ignore", "pipe", "ignore"],
  });
  await lines(child, 1);
  const pid = child.pid!;
  return { pid, record: { pid, pgid: pid, startTime: processStartTime(pid)! } };
}

describe("cleanupLeftovers stops each service as its host would have", () => {
  it("sends the recorded stop signal and waits out the recorded timeout", async () => {
    const runId = `crashed-${process.pid}-${Date.now()}`;
    const dir = mkdtempSync(join(tmpdir(), "berth-leftovers-"));
    const db = await graceful(join(dir, "db.log"), { BERTH_RUN_ID: runId, BERTH_SERVICE: "db" });
    const record = { ...db.record, stopSignal: "SIGINT" as const, stopTimeoutMs: 10_000 };
    const messages: string[] = [];

    await cleanupLeftovers(staleHost(runId, { db: record }), {
      log: (m) => messages.push(m),
      graceMs: 300,
    });
    expect(isAlive(db.pid)).toBe(false);
    expect(readFileSync(join(dir, "db.log"), "utf8")).toBe("got INT\nstopped cleanly\n");
    // The count includes its short-lived sleeps; what matters is that nothing was killed.
    expect(messages).toEqual([
      expect.stringMatching(/^cleaned up \d+ process(es)? left by a crashed berth \(PID 999999\)$/),
    ]);
  });

  it.runIf(linux)(
    "stops a process that left its group with the signal of the service it belongs to",
    async () => {
      const runId = `crashed-${process.pid}-${Date.now()}`;
      const dir = mkdtempSync(join(tmpdir(), "berth-leftovers-"));
      // Its group ended with the crash; this one had called setsid and outlived it.
      const stray = await graceful(join(dir, "stray.log"), {
        BERTH_RUN_ID: runId,
        BERTH_SERVICE: "db",
      });
      const gone = { pid: 999_998, pgid: 999_998, startTime: "1" };
      const db = { ...gone, stopSignal: "SIGINT" as const, stopTimeoutMs: 10_000 };

      await cleanupLeftovers(staleHost(runId, { db }), { log: () => {}, graceMs: 300 });
      expect(isAlive(stray.pid)).toBe(false);
      expect(readFileSync(join(dir, "stray.log"), "utf8")).toBe("got INT\nstopped cleanly\n");
    },
  );
});

/** manager.sh: like a postmaster, it stops its child (in a session of its own) itself. */
async function manager(runId: string) {
  const dir = mkdtempSync(join(tmpdir(), "berth-leftovers-"));
  const log = join(dir, "signals.log");
  const childPidFile = join(dir, "child.pid");
  const child = spawnTracked("sh", [join(fixturesDir, "manager.sh")], {
    env: { ...process.env, LOG: log, CHILD_PID: childPidFile, BERTH_RUN_ID: runId },
    stdio: ["ignore", "pipe", "ignore"],
  });
  await lines(child, 1);
  const childPid = Number(readFileSync(childPidFile, "utf8"));
  track(childPid);
  const pid = child.pid!;
  return {
    pids: [pid, childPid],
    record: { pid, pgid: pid, startTime: processStartTime(pid)! },
    signals: () => readFileSync(log, "utf8"),
  };
}

describe.runIf(linux)("cleanupLeftovers and processes that left their group", () => {
  it("leaves a child whose parent is of the run to that parent, as PostgreSQL needs", async () => {
    const runId = `crashed-${process.pid}-${Date.now()}`;
    const db = await manager(runId);
    const record = { ...db.record, stopSignal: "SIGTERM" as const, stopTimeoutMs: 10_000 };

    const killed = await cleanupLeftovers(staleHost(runId, { db: record }), {
      log: () => {},
      graceMs: 300,
    });
    for (const pid of db.pids) expect(isAlive(pid)).toBe(false);
    expect(db.signals()).toBe("child got USR1\nmanager stopped\n");
    expect(killed).toEqual(expect.arrayContaining(db.pids));
  });
});

describe("cleanupLeftovers by recorded process group", () => {
  it("kills a recorded group whose leader is still the recorded process", async () => {
    const runId = `crashed-${process.pid}-${Date.now()}`;
    const { record, pids } = await serviceTree(runId);
    const [leader, inGroup, , ignoresTerm] = pids;
    const messages: string[] = [];

    const killed = await cleanupLeftovers(staleHost(runId, { api: record }), {
      log: (m) => messages.push(m),
      graceMs: 300,
      method: "groups",
    });

    expect(killed).toEqual([leader]);
    for (const pid of [leader!, inGroup!, ignoresTerm!]) expect(isAlive(pid)).toBe(false);
    expect(messages).toEqual([
      "api did not stop within 300 ms of SIGTERM; killed",
      "cleaned up 1 process left by a crashed berth (PID 999999)",
    ]);
  });

  it("never touches a group whose leader PID now belongs to another process", async () => {
    const bystander = spawnTracked("sleep", ["300"]);
    const pid = bystander.pid!;
    const reused = { pid, pgid: pid, startTime: `${processStartTime(pid)}-earlier` };
    const messages: string[] = [];

    for (const method of ["groups", "environ"] as const) {
      const killed = await cleanupLeftovers(staleHost("gone-run", { api: reused }), {
        log: (m) => messages.push(m),
        method,
      });
      expect(killed).toEqual([]);
    }
    expect(isAlive(pid)).toBe(true);
    expect(messages).toEqual([]);
  });
});
