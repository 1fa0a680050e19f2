import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runBerth } from "../helpers/cli.js";
import { tempProject } from "../helpers/project.js";

/**
 * Attacks on config loading: a config is code, and may never finish, exit, or throw from a
 * getter. Each must end as a config error that says what happened, never a silent exit 1,
 * a hang, an exit 0 without running anything, or "berth hit a bug".
 */

const services = `{ services: { x: { command: "sleep 30", port: false } } }`;

function project(config: string, name = "berth.config.mjs"): string {
  return tempProject({ [name]: config });
}

const ran = (dir: string) => existsSync(join(dir, "ran"));
const touchRan = ["sh", "-c", "touch ran"];

describe("config loading that never finishes, or exits", () => {
  const never = `await new Promise(() => {});\nexport default ${services};\n`;

  it.each([
    ["run", ["run"], 3],
    ["run --detach", ["run", "--detach"], 3],
    ["exec", ["exec", "--", ...touchRan], 125],
  ])("a top-level await that never settles: %s says so", async (_, args, code) => {
    const dir = project(never);
    const result = await runBerth(args, { cwd: dir });
    expect(result.code).toBe(code);
    expect(result.output).toContain(
      `Cannot load ${join(dir, "berth.config.mjs")}: it never finished loading.`,
    );
    expect(result.output).not.toContain("internal error");
    expect(ran(dir)).toBe(false);
  });

  it("a config still waiting on a timer is given up on after the time limit", async () => {
    const dir = project(
      `await new Promise((r) => setTimeout(r, 600_000));\nexport default ${services};\n`,
    );
    const result = await runBerth(["run"], { cwd: dir, env: { BERTH_CONFIG_TIMEOUT: "500ms" } });
    expect(result.code).toBe(3);
    expect(result.output).toContain(
      `Cannot load ${join(dir, "berth.config.mjs")}: it did not finish loading within 500 ms; it is still waiting on a timer.`,
    );
    expect(result.output).toContain("BERTH_CONFIG_TIMEOUT");
  });

  it("process.exit(0) in the config does not end `exec` with 0 before its command", async () => {
    const dir = project(
      `const x: number = 0;\nif (x === 0) process.exit(0);\nexport default ${services};\n`,
      "berth.config.ts",
    );
    const result = await runBerth(["exec", "--", ...touchRan], { cwd: dir });
    expect(result.code).toBe(125);
    expect(result.output).toContain("it called process.exit(0) at line 2");
    expect(ran(dir)).toBe(false);
    const run = await runBerth(["run"], { cwd: dir });
    expect(run.code).toBe(3);
    expect(run.output).toContain("it called process.exit(0) at line 2");
  });

  it("a config that leaves a timer running does not keep `exec` or `run --detach` waiting", async () => {
    const dir = project(`setInterval(() => {}, 1000);\nexport default ${services};\n`);
    const exec = await runBerth(["exec", "--", "sh", "-c", "touch ran; exit 3"], { cwd: dir });
    expect(exec.code).toBe(3);
    expect(ran(dir)).toBe(true);
    const up = await runBerth(["run", "--detach"], { cwd: dir });
    expect(up.code).toBe(0);
    const stop = await runBerth(["stop"], { cwd: dir });
    expect(stop.code).toBe(0);
    // Asked, it went: it was never signalled.
    expect(stop.output).not.toContain("SIGTERM");
  });

  it.each([
    [
      "a throwing getter",
      `export default { services: { x: { port: false, get command() { throw new Error("no command"); } } } };`,
      "services.x.command: reading it threw: no command",
    ],
    [
      "a Proxy",
      `export default new Proxy({}, { ownKeys() { throw new Error("no keys"); } });`,
      "config: listing its keys threw: no keys",
    ],
  ])("%s is a config error, not a bug", async (_, config, says) => {
    const dir = project(config);
    const result = await runBerth(["run"], { cwd: dir });
    expect(result.code).toBe(3);
    expect(result.output).toContain(
      `Cannot read the config ${join(dir, "berth.config.mjs")}: ${says}`,
    );
    expect(result.output).not.toContain("berth hit a bug");
  });

  it("a JSON config with a UTF-8 byte-order mark runs", async () => {
    const dir = project(
      `\uFEFF${JSON.stringify({ services: { hello: { command: "echo hello from json", oneshot: true } } })}`,
      "berth.config.json",
    );
    const result = await runBerth(["run"], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.output).toContain("hello from json");
  });
});

describe("durations past Node's longest timer", () => {
  it("are refused, naming the field and the limit", async () => {
    const dir = project(
      `export default { services: { x: { command: "sleep 30", port: false, restart: { policy: "always", delay: "720h" } } } };`,
    );
    const result = await runBerth(["run"], { cwd: dir });
    expect(result.code).toBe(3);
    expect(result.output).toContain(
      'services.x.restart.delay: expected a duration of at most 24 days (2147483647 ms, the longest timer Node keeps), got "720h"',
    );
  });
});
