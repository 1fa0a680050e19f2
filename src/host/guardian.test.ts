import { once } from "node:events";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isAlive, spawnTracked, track, waitFor } from "../../test/helpers/processes.js";
import { fixturesDir } from "../../test/helpers/project.js";
import type { StopSpec } from "../model/app.js";
import { Guardian } from "./guardian.js";

/** slow-stop.sh: only SIGINT stops it cleanly, and that takes it 1.2 s. */
async function startService(env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), "berth-guardian-"));
  const log = join(dir, "signals.log");
  const child = spawnTracked("/bin/sh", [join(fixturesDir, "slow-stop.sh")], {
    env: { ...process.env, LOG: log, SLOW: "1.2", ...env },
    stdio: ["ignore", "pipe", "ignore"],
  });
  await once(child.stdout!, "data");
  const pid = child.pid!;
  return { pid, signals: () => readFileSync(log, "utf8").trim().split("\n") };
}

function startGuardian(runId: string, services: Record<string, StopSpec>): Guardian {
  const guardian = Guardian.start(
    runId,
    Object.entries(services).map(([name, stop]) => ({ name, stop })),
  );
  track(guardian.pid);
  return guardian;
}

describe("the guardian, when the host is gone", () => {
  it("stops a service with its own stop signal and waits out its own grace period", async () => {
    const runId = `guardian-${process.pid}-${Date.now()}`;
    const db = await startService();
    const guardian = startGuardian(runId, {
      api: { signal: "SIGTERM", graceMs: 1000 },
      db: { signal: "SIGINT", graceMs: 10_000 },
    });
    guardian.track("db", db.pid);

    // The pipe closing is what the guardian sees when the host dies.
    guardian.close();
    await waitFor(() => !isAlive(db.pid), "the guardian to stop db", 15_000);
    expect(db.signals()).toEqual(["got INT", "stopped cleanly"]);
    await waitFor(() => !isAlive(guardian.pid!), "the guardian to exit");
  });

  it("tells services apart whose names differ only in - and _", async () => {
    const runId = `guardian-${process.pid}-${Date.now()}`;
    const db = await startService();
    const guardian = startGuardian(runId, {
      "my-db": { signal: "SIGINT", graceMs: 10_000 },
      my_db: { signal: "SIGTERM", graceMs: 300 },
    });
    guardian.track("my-db", db.pid);
    guardian.close();
    await waitFor(() => !isAlive(db.pid), "the guardian to stop my-db", 15_000);
    expect(db.signals()).toEqual(["got INT", "stopped cleanly"]);
  });

  it("gets through two thousand services at once", async () => {
    // An earlier guardian kept its records in one long string, and cutting them out of it
    // is quadratic in dash: with thousands of services it ran for hours.
    const runId = `guardian-${process.pid}-${Date.now()}`;
    const services = Object.fromEntries(
      Array.from({ length: 2000 }, (_, i) => [`service-${i}`, { signal: "SIGTERM", graceMs: 100 }]),
    ) as Record<string, StopSpec>;
    const guardian = startGuardian(runId, services);
    // Groups that are gone already (no such pid): nothing to wait for, only to go through.
    for (let i = 0; i < 2000; i++) guardian.track(`service-${i}`, 4_000_000 + i);
    for (let i = 0; i < 1000; i++) guardian.untrack(4_000_000 + i);
    guardian.close();
    await waitFor(() => !isAlive(guardian.pid!), "the guardian to exit", 20_000);
  });

  it("stays quick through a long session of restarts", async () => {
    const runId = `guardian-${process.pid}-${Date.now()}`;
    const guardian = startGuardian(runId, { api: { signal: "SIGTERM", graceMs: 100 } });
    // Each restart is a group started and ended: none may stay on the guardian's books.
    for (let i = 0; i < 100_000; i++) {
      guardian.track("api", 4_000_000 + i);
      guardian.untrack(4_000_000 + i);
    }
    guardian.close();
    await waitFor(() => !isAlive(guardian.pid!), "the guardian to exit", 15_000);
  });

  it("kills a service that outlives its grace period, and then exits", async () => {
    const runId = `guardian-${process.pid}-${Date.now()}`;
    const stubborn = await startService();
    const guardian = startGuardian(runId, { stubborn: { signal: "SIGTERM", graceMs: 300 } });
    guardian.track("stubborn", stubborn.pid);

    guardian.close();
    await waitFor(() => !isAlive(stubborn.pid), "the guardian to kill it");
    expect(stubborn.signals()).toEqual(["got TERM"]);
    await waitFor(() => !isAlive(guardian.pid!), "the guardian to exit");
  });

  it("leaves alone a group the host reported as ended", async () => {
    const runId = `guardian-${process.pid}-${Date.now()}`;
    const other = await startService();
    const guardian = startGuardian(runId, { db: { signal: "SIGINT", graceMs: 300 } });
    guardian.track("db", other.pid);
    guardian.untrack(other.pid);

    guardian.close();
    await waitFor(() => !isAlive(guardian.pid!), "the guardian to exit");
    expect(isAlive(other.pid)).toBe(true);
  });

  it.runIf(process.platform === "linux")(
    "leaves a child whose parent is of the run to that parent, as PostgreSQL needs",
    async () => {
      const runId = `guardian-${process.pid}-${Date.now()}`;
      const dir = mkdtempSync(join(tmpdir(), "berth-guardian-"));
      const [log, childPidFile] = [join(dir, "signals.log"), join(dir, "child.pid")];
      // manager.sh: like a postmaster, it stops its child (in a session of its own) itself.
      const db = spawnTracked("/bin/sh", [join(fixturesDir, "manager.sh")], {
        env: { ...process.env, LOG: log, CHILD_PID: childPidFile, BERTH_RUN_ID: runId },
        stdio: ["ignore", "pipe", "ignore"],
      });
      await once(db.stdout!, "data");
      const childPid = Number(readFileSync(childPidFile, "utf8"));
      track(childPid);
      const guardian = startGuardian(runId, { db: { signal: "SIGTERM", graceMs: 10_000 } });
      guardian.track("db", db.pid!);

      guardian.close();
      await waitFor(() => !isAlive(guardian.pid!), "the guardian to exit", 15_000);
      expect(isAlive(db.pid!)).toBe(false);
      expect(isAlive(childPid)).toBe(false);
      expect(readFileSync(log, "utf8")).toBe("child got USR1\nmanager stopped\n");
    },
  );

  it.runIf(process.platform === "linux")(
    "stops a process of the run that left its group with its service's signal",
    async () => {
      const runId = `guardian-${process.pid}-${Date.now()}`;
      // In a group of its own that the host never saw, as after a setsid.
      const stray = await startService({ BERTH_RUN_ID: runId, BERTH_SERVICE: "db", SLOW: "0" });
      const guardian = startGuardian(runId, { db: { signal: "SIGINT", graceMs: 10_000 } });
      guardian.track("db", 999_999);

      guardian.close();
      await waitFor(() => !isAlive(stray.pid), "the guardian to stop the stray", 15_000);
      expect(stray.signals()).toEqual(["got INT", "stopped cleanly"]);
    },
  );
});
