import { once } from "node:events";
import { readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { spawnTracked } from "../../test/helpers/processes.js";
import { repoRoot, tempProject } from "../../test/helpers/project.js";
import { isBerthError } from "../errors.js";
import { processStartTime } from "../platform/process-info.js";
import { acquireHostLock, ago, lockHolder, type HostInfo, type HostRecord } from "./lock.js";

function me(runId: string, extra: Partial<HostInfo> = {}): HostInfo {
  return {
    pid: process.pid,
    startTime: processStartTime(process.pid)!,
    startedAt: new Date().toISOString(),
    appHostPath: "/home/me/shop/berth.config.ts",
    runId,
    ...extra,
  };
}

function record(info: HostInfo): HostRecord {
  return { ...info, services: { api: { pid: 4242, pgid: 4242, startTime: "1" } } };
}

/** A PID that no process has right now (a child that has exited). */
async function deadPid(): Promise<number> {
  const child = spawnTracked("true", []);
  await once(child, "exit");
  return child.pid!;
}

const hostFile = (stateDir: string) => join(stateDir, "host.json");
const readHost = (stateDir: string) => JSON.parse(readFileSync(hostFile(stateDir), "utf8"));

describe("acquireHostLock", () => {
  it("writes host.json (mode 0600) and removes it on release", async () => {
    const stateDir = join(tempProject(), ".berth");
    const lock = await acquireHostLock(stateDir, me("run-1"));
    expect(lock.stale).toBeUndefined();
    expect(readHost(stateDir)).toEqual({
      ...me("run-1"),
      startedAt: expect.any(String),
      services: {},
    });
    expect(statSync(hostFile(stateDir)).mode & 0o777).toBe(0o600);
    expect(readdirSync(stateDir)).toEqual(["host.json"]);
    await lock.release();
    expect(readdirSync(stateDir)).toEqual([]);
  });

  it("refuses a second host while the first runs, saying which PID runs it", async () => {
    const stateDir = join(tempProject(), ".berth");
    const startedAt = new Date(Date.now() - 3 * 60_000 - 5000).toISOString();
    const first = await acquireHostLock(stateDir, me("run-1", { startedAt }));
    const error = await acquireHostLock(stateDir, me("run-2")).catch((e: unknown) => e);
    expect(isBerthError(error, "ALREADY_RUNNING")).toBe(true);
    expect((error as Error).message).toBe(
      `berth is already running this project (PID ${process.pid}, started 3 min ago). ` +
        "`berth stop` stops it; `berth logs` shows its output and `berth ps` its services.",
    );
    expect(readHost(stateDir).runId).toBe("run-1");
    await first.release();
  });

  it("takes over from a host that is gone, returning its record for clean-up", async () => {
    const stateDir = join(tempProject(), ".berth");
    const stale = record(me("crashed", { pid: await deadPid() }));
    await acquireHostLock(stateDir, me("seed")).then((l) => l.release());
    writeFileSync(hostFile(stateDir), JSON.stringify(stale));

    const lock = await acquireHostLock(stateDir, me("run-2"));
    expect(lock.stale).toEqual(stale);
    expect(readHost(stateDir).runId).toBe("run-2");
    expect(statSync(hostFile(stateDir)).mode & 0o777).toBe(0o600);
    await lock.release();
  });

  it("takes over when the recorded PID is alive but is another process (start time differs)", async () => {
    const stateDir = join(tempProject(), ".berth");
    const reused = record(me("crashed", { startTime: "1" }));
    await acquireHostLock(stateDir, me("seed")).then((l) => l.release());
    writeFileSync(hostFile(stateDir), JSON.stringify(reused));

    const lock = await acquireHostLock(stateDir, me("run-2"));
    expect(lock.stale).toEqual(reused);
    await lock.release();
  });

  it("takes over an unreadable host.json once it is not fresh", async () => {
    const stateDir = join(tempProject(), ".berth");
    await acquireHostLock(stateDir, me("seed")).then((l) => l.release());
    writeFileSync(hostFile(stateDir), "{not json");
    const old = new Date(Date.now() - 60_000);
    utimesSync(hostFile(stateDir), old, old);

    const lock = await acquireHostLock(stateDir, me("run-2"));
    expect(lock.stale).toBeUndefined();
    expect(readHost(stateDir).runId).toBe("run-2");
    await lock.release();
  });

  it.each([false, true])(
    "lets exactly one of many concurrent hosts win (stale lock: %s)",
    async (stale) => {
      const stateDir = join(tempProject(), ".berth");
      if (stale) {
        await acquireHostLock(stateDir, me("seed")).then((l) => l.release());
        writeFileSync(
          hostFile(stateDir),
          JSON.stringify(record(me("crashed", { pid: await deadPid() }))),
        );
      }
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) => acquireHostLock(stateDir, me(`run-${i}`))),
      );
      const won = results.filter((r) => r.status === "fulfilled");
      expect(won).toHaveLength(1);
      for (const r of results) {
        if (r.status === "rejected") expect(isBerthError(r.reason, "ALREADY_RUNNING")).toBe(true);
      }
      const lock = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof acquireHostLock>>>)
        .value;
      expect(lock.stale?.runId).toBe(stale ? "crashed" : undefined);
      expect(readdirSync(stateDir).sort()).toEqual(["host.json"]);
      await lock.release();
    },
  );

  it("does not remove a lock that is no longer its own", async () => {
    const stateDir = join(tempProject(), ".berth");
    const lock = await acquireHostLock(stateDir, me("run-1"));
    writeFileSync(hostFile(stateDir), JSON.stringify(record(me("someone-else"))));
    await lock.release();
    expect(readHost(stateDir).runId).toBe("someone-else");
  });

  it("records the service processes, rewriting host.json atomically", async () => {
    const stateDir = join(tempProject(), ".berth");
    const lock = await acquireHostLock(stateDir, me("run-1"));
    const services = {
      api: { pid: 11, pgid: 11, startTime: "5" },
      web: { pid: 12, pgid: 12, startTime: "6" },
    };
    await lock.updateServices(services);
    expect(readHost(stateDir)).toMatchObject({ runId: "run-1", services });
    expect(statSync(hostFile(stateDir)).mode & 0o777).toBe(0o600);
    expect(readdirSync(stateDir)).toEqual(["host.json"]);
    await lock.release();
    await lock.updateServices(services);
    expect(readdirSync(stateDir)).toEqual([]);
  });

  it("applies rewrites in order, and none after release", async () => {
    const stateDir = join(tempProject(), ".berth");
    const lock = await acquireHostLock(stateDir, me("run-1"));
    const at = (n: number) => ({ api: { pid: n, pgid: n, startTime: String(n) } });
    await Promise.all([1, 2, 3, 4, 5].map((n) => lock.updateServices(at(n))));
    expect(readHost(stateDir).services).toEqual(at(5));
    await Promise.all([lock.updateServices(at(6)), lock.release(), lock.updateServices(at(7))]);
    expect(readdirSync(stateDir)).toEqual([]);
  });
});

describe("acquireHostLock across processes", () => {
  const CONTENDER = `
import { acquireHostLock } from ${JSON.stringify(join(repoRoot, "src/host/lock.ts"))};
import { processStartTime } from ${JSON.stringify(join(repoRoot, "src/platform/process-info.ts"))};
const info = {
  pid: process.pid,
  startTime: processStartTime(process.pid)!,
  startedAt: new Date().toISOString(),
  appHostPath: "/x/berth.config.ts",
  runId: "run-" + process.pid,
};
const attempt = (dir: string) =>
  acquireHostLock(dir, info).then(
    (lock) => ({ won: true, stale: lock.stale?.runId ?? null }),
    (error) => ({ won: false, code: error.code }),
  );
process.stdin.once("data", async () => {
  const dirs = process.argv.slice(2);
  const results = [];
  for (const dir of dirs) results.push(await attempt(dir));
  console.log(JSON.stringify(results));
});
console.log("ready");
`;

  it("lets exactly one process win, on a fresh and on a stale lock", async () => {
    const project = tempProject({ "contender.ts": CONTENDER });
    const fresh = join(project, "fresh");
    const stale = join(project, "stale");
    await acquireHostLock(stale, me("seed")).then((l) => l.release());
    writeFileSync(hostFile(stale), JSON.stringify(record(me("crashed", { pid: await deadPid() }))));

    const jiti = join(repoRoot, "node_modules/jiti/lib/jiti-cli.mjs");
    const contenders = Array.from({ length: 6 }, () =>
      spawnTracked(process.execPath, [jiti, join(project, "contender.ts"), fresh, stale], {
        env: { ...process.env, JITI_FS_CACHE: "false" },
        stdio: ["pipe", "pipe", "inherit"],
      }),
    );
    const lines = contenders.map((child) => {
      const seen: string[] = [];
      child
        .stdout!.setEncoding("utf8")
        .on("data", (text: string) => seen.push(...text.split("\n").filter(Boolean)));
      return seen;
    });
    const waitLines = async (count: number) => {
      const deadline = Date.now() + 20_000;
      while (lines.some((l) => l.length < count)) {
        if (Date.now() > deadline) throw new Error("contenders did not answer");
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await waitLines(1);
    for (const child of contenders) child.stdin!.write("go\n");
    await waitLines(2);

    const results = lines.map(
      (l) => JSON.parse(l[1]!) as { won: boolean; stale?: string | null; code?: string }[],
    );
    for (const index of [0, 1]) {
      const round = results.map((r) => r[index]!);
      expect(round.filter((r) => r.won)).toHaveLength(1);
      expect(round.filter((r) => !r.won).map((r) => r.code)).toEqual(
        Array(5).fill("ALREADY_RUNNING"),
      );
    }
    expect(results.map((r) => r[1]!).find((r) => r.won)?.stale).toBe("crashed");
  });
});

describe("ago", () => {
  it("says how long ago, roughly", () => {
    expect([0, 12_000, 185_000, 7_300_000, 90_000_000, 300_000_000].map(ago)).toEqual([
      "just now",
      "12 s ago",
      "3 min ago",
      "2 h ago",
      "1 day ago",
      "3 days ago",
    ]);
  });
});

describe("lockHolder", () => {
  it("is the live host that holds the lock, proven by its start time", async () => {
    const stateDir = join(tempProject(), ".berth");
    expect(await lockHolder(stateDir)).toBeUndefined();
    const lock = await acquireHostLock(stateDir, me("run-holder"));
    expect(await lockHolder(stateDir)).toMatchObject({ pid: process.pid, runId: "run-holder" });
    await lock.release();
    expect(await lockHolder(stateDir)).toBeUndefined();
  });

  it("is nobody when the pid now belongs to another process, or the record is garbage", async () => {
    const stateDir = join(tempProject(), ".berth");
    await acquireHostLock(stateDir, me("run-old", { startTime: "1" }));
    expect(await lockHolder(stateDir)).toBeUndefined();
    writeFileSync(hostFile(stateDir), "{ not json");
    expect(await lockHolder(stateDir)).toBeUndefined();
  });
});
