import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import { describe, expect, it } from "vitest";
import { spawnTracked, track, waitFor } from "../../test/helpers/processes.js";
import {
  findProcessesWithEnv,
  groupExists,
  isAlive,
  isSameProcess,
  processStartTime,
} from "./process-info.js";

const linux = process.platform === "linux";

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
}

/** Lines a child prints, as they come. */
function lines(child: ChildProcess, count: number): Promise<string[]> {
  return new Promise((resolve) => {
    let text = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      const all = text.split("\n").filter((l) => l !== "");
      if (all.length >= count) resolve(all.slice(0, count));
    });
  });
}

describe("processStartTime", () => {
  it("knows this process and stays the same across calls", () => {
    const mine = processStartTime(process.pid);
    expect(mine).toBeDefined();
    expect(processStartTime(process.pid)).toBe(mine);
    if (linux) expect(mine).toMatch(/^\d+$/);
  });

  it("knows a child, and forgets it once it is gone", async () => {
    const child = spawnTracked("sleep", ["300"]);
    const pid = child.pid!;
    const start = processStartTime(pid);
    expect(start).toBeDefined();
    expect(isSameProcess({ pid, startTime: start! })).toBe(true);
    child.kill("SIGKILL");
    await exited(child);
    expect(processStartTime(pid)).toBeUndefined();
    expect(isSameProcess({ pid, startTime: start! })).toBe(false);
  });

  it.runIf(linux)("reads past a command name holding spaces and parentheses", () => {
    // The kernel takes the command name from the executable's file name.
    const dir = mkdtempSync(join(tmpdir(), "berth-comm-"));
    const odd = join(dir, "a) b (c");
    copyFileSync("/bin/sleep", odd);
    const child = spawnTracked(odd, ["300"]);
    const start = processStartTime(child.pid!);
    // Start times count up from boot: a child cannot have started before this test process.
    expect(start).toMatch(/^\d+$/);
    expect(Number(start)).toBeGreaterThanOrEqual(Number(processStartTime(process.pid)));
  });
});

describe("isSameProcess", () => {
  it("tells a reused PID apart by its start time", () => {
    const child = spawnTracked("sleep", ["300"]);
    const pid = child.pid!;
    expect(isSameProcess({ pid, startTime: processStartTime(pid)! })).toBe(true);
    // A record of an earlier process that had this PID.
    expect(isSameProcess({ pid, startTime: "1" })).toBe(false);
  });
});

describe("isAlive", () => {
  it("is true for this process and a child, false for a PID that is gone or not a PID", async () => {
    expect(isAlive(process.pid)).toBe(true);
    const child = spawnTracked("sleep", ["300"]);
    expect(isAlive(child.pid!)).toBe(true);
    child.kill("SIGKILL");
    await exited(child);
    expect(isAlive(child.pid!)).toBe(false);
    expect(isAlive(0)).toBe(false);
    expect(isAlive(-1)).toBe(false);
  });

  it.runIf(linux)("counts a zombie as gone", async () => {
    // `sleep 300` never reaps its own child, which stays a zombie after it exits.
    const parent = spawnTracked("sh", ["-c", "sleep 0.05 & echo $!; exec sleep 300"], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    const [line] = await lines(parent, 1);
    const zombie = Number(line);
    await waitFor(() => !isAlive(zombie), "the child to exit");
    // Still in the process table: signal 0 reaches it.
    expect(() => process.kill(zombie, 0)).not.toThrow();
  });
});

describe("groupExists", () => {
  it("follows a process group, and refuses 0 and 1", async () => {
    const child = spawnTracked("sleep", ["300"]);
    expect(groupExists(child.pid!)).toBe(true);
    child.kill("SIGKILL");
    await exited(child);
    expect(groupExists(child.pid!)).toBe(false);
    expect(groupExists(0)).toBe(false);
    expect(groupExists(1)).toBe(false);
  });
});

describe.runIf(linux)("findProcessesWithEnv", () => {
  it("finds every process of a run, grandchildren included, and nothing else", async () => {
    const runId = `run-${process.pid}-${Date.now()}`;
    const tree = spawnTracked(
      "sh",
      ["-c", "sleep 300 & echo $!; setsid sleep 300 & echo $!; wait"],
      {
        env: { ...process.env, BERTH_RUN_ID: runId },
        stdio: ["ignore", "pipe", "ignore"],
      },
    );
    const [grandchild, escaped] = (await lines(tree, 2)).map(Number);
    track(escaped);
    const other = spawnTracked("sleep", ["300"], {
      env: { ...process.env, BERTH_RUN_ID: `${runId}-other`, XBERTH_RUN_ID: runId },
    });

    const found = findProcessesWithEnv("BERTH_RUN_ID", runId);
    expect(found.sort((a, b) => a - b)).toEqual(
      [tree.pid!, grandchild!, escaped!].sort((a, b) => a - b),
    );
    expect(found).not.toContain(other.pid);

    // Grandchildren first, so `sh` reaps them (an orphan may stay a zombie where PID 1 does not reap).
    for (const pid of [grandchild!, escaped!]) process.kill(pid, "SIGKILL");
    await exited(tree);
  });
});
