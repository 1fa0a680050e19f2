import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runBerth, startBerth } from "../helpers/cli.js";
import { isAlive, waitFor } from "../helpers/processes.js";
import { detach, fixture, node, projectWith } from "./project.js";

interface HostRecord {
  runId: string;
  services: Record<string, { pid: number }>;
}

// Attack: berth and its guardian killed with SIGKILL, then `berth run --detach`. The
// detached host cleaned up what was left, but only a foreground run said so.
describe("berth run --detach after a crashed berth", () => {
  it("says what it cleaned up, as a foreground run does", async () => {
    const dir = projectWith(`
      worker: { command: [${node}, ${fixture("forever.mjs")}], port: false, ready: { log: "forever" } },`);
    const first = startBerth(["run"], { cwd: dir });
    await first.waitForOutput(/worker is ready/);
    const file = join(dir, ".berth", "host.json");
    let record: HostRecord | undefined;
    await waitFor(() => {
      record = JSON.parse(readFileSync(file, "utf8")) as HostRecord;
      return record.services.worker !== undefined;
    }, "host.json to record worker");
    // The guardian first, so that only the next run can stop the worker.
    const guardians = execFileSync("pgrep", ["-f", record!.runId], { encoding: "utf8" });
    for (const pid of guardians.trim().split("\n").map(Number)) process.kill(pid, "SIGKILL");
    first.child.kill("SIGKILL");
    await first.exited;
    const left = record!.services.worker!.pid;
    expect(isAlive(left)).toBe(true);

    const output = await detach(dir);
    expect(output).toMatch(/^cleaned up 1 process left by a crashed berth \(PID \d+\)$/m);
    expect(isAlive(left)).toBe(false);
    expect((await runBerth(["stop"], { cwd: dir })).code).toBe(0);
  });
});
