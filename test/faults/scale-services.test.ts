import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runBerth } from "../helpers/cli.js";
import { spawnTracked } from "../helpers/processes.js";
import { berthBin, tempProject } from "../helpers/project.js";

/**
 * A project with many services: berth must not need a descriptor per service's log file on
 * top of its pipes, must stop them all, and must refuse (briefly) a config past its limit.
 */

/** Processes (not zombies) whose command line is exactly `argv`. */
function processesRunning(argv: string[]): number[] {
  const wanted = `${argv.join("\0")}\0`;
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8") !== wanted) continue;
      if (/^State:\s+Z/m.test(readFileSync(`/proc/${entry}/status`, "utf8"))) continue;
      found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Runs a shell script (tracked, so nothing outlives the test); its exit code and output. */
async function runShell(script: string, cwd: string): Promise<{ code: number; output: string }> {
  const child = spawnTracked("/bin/sh", ["-c", script], {
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number>((resolve) =>
    child.once("close", (exit) => resolve(exit ?? -1)),
  );
  return { code, output };
}

describe("600 services under a limit of 1,600 open files", () => {
  it("all start, and all stop, with no log file left unopened", async () => {
    const count = 600;
    const sleep = ["sleep", "3131"];
    const services = Object.fromEntries(
      Array.from({ length: count }, (_, i) => [`s${i}`, { command: sleep, port: false }]),
    );
    const dir = tempProject({ "berth.config.json": JSON.stringify({ services }) });
    // Two pipes per service fit; a log file per service on top of them does not.
    const script = `ulimit -n 1600 && exec ${JSON.stringify(process.execPath)} ${JSON.stringify(berthBin)} run --detach`;
    const up = await runShell(script, dir);
    expect(up.output).not.toContain("EMFILE");
    expect(up.code).toBe(0);
    expect(up.output.match(/ ready /g)).toHaveLength(count);
    expect(processesRunning(sleep)).toHaveLength(count);
    // Every service's log file was written, though never all open at once.
    expect(readdirSync(join(dir, ".berth", "logs"))).toHaveLength(count);

    const stop = await runBerth(["stop"], { cwd: dir });
    expect(stop.code).toBe(0);
    expect(stop.output).toMatch(/^stopped .* in \d/m);
    expect(processesRunning(sleep)).toEqual([]);
  });
});

describe("a config past the limit of services", () => {
  it("is refused before anything starts, with a short message", async () => {
    const services = Object.fromEntries(
      Array.from({ length: 10_000 }, (_, i) => [`s${i}`, { command: "true" }]),
    );
    const dir = tempProject({ "berth.config.json": JSON.stringify({ services }) });
    const result = await runBerth(["run"], { cwd: dir });
    expect(result.code).toBe(3);
    expect(result.output).toContain("services: expected at most 2,000 services, got 10,000");
    expect(result.output.split("\n").length).toBeLessThan(5);
  });

  it("thousands of invalid services are listed briefly", async () => {
    const services = Object.fromEntries(
      Array.from({ length: 1500 }, (_, i) => [`s${i}`, { command: 42 }]),
    );
    const dir = tempProject({ "berth.config.json": JSON.stringify({ services }) });
    const result = await runBerth(["run"], { cwd: dir });
    expect(result.code).toBe(3);
    expect(result.output).toContain("(1,500 problems)");
    expect(result.output).toContain("… and 1,450 more");
    expect(result.output.split("\n").length).toBeLessThan(60);
  });
});
