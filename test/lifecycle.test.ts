import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runBerth, startBerth } from "./helpers/cli.js";
import { isAlive, killGuardianOf, track, waitFor } from "./helpers/processes.js";
import { fixturesDir, tempProject } from "./helpers/project.js";

const fixture = (name: string) => JSON.stringify(join(fixturesDir, name));
const node = JSON.stringify(process.execPath);

/** A project whose config is an .mjs module (fixtures by absolute path). */
function project(services: string): string {
  return tempProject({
    "berth.config.mjs": `export default { services: { ${services} } };\n`,
  });
}

/** slow-stop.sh as a service: only SIGINT stops it cleanly, and that takes it 1.2 s. */
const slowStop = (log: string) => `
  db: { command: ["/bin/sh", ${fixture("slow-stop.sh")}], port: false, env: { LOG: ${JSON.stringify(log)} },
        stopSignal: "SIGINT", stopTimeout: "10s", ready: { log: "ready" } },`;

interface HostRecord {
  runId: string;
  services: Record<string, { pid: number; stopSignal?: string; stopTimeoutMs?: number }>;
}

/** host.json once it records `service`'s process (it is written just after the spawn). */
async function hostRecord(dir: string, service: string): Promise<HostRecord> {
  const file = join(dir, ".berth", "host.json");
  let record: HostRecord | undefined;
  await waitFor(() => {
    record = JSON.parse(readFileSync(file, "utf8")) as HostRecord;
    return record.services[service] !== undefined;
  }, `host.json to record ${service}`);
  return record!;
}

const read = (file: string) => readFileSync(file, "utf8");

describe("after berth is killed with SIGKILL", () => {
  it("the guardian stops each service with its own stop signal and grace period", async () => {
    const dir = project(slowStop("signals.log"));
    const berth = startBerth(["run"], { cwd: dir });
    await berth.waitForOutput(/db is ready/);
    const pid = (await hostRecord(dir, "db")).services.db!.pid;

    berth.child.kill("SIGKILL");
    await waitFor(() => !isAlive(pid), "the guardian to stop db", 15_000);
    expect(read(join(dir, "signals.log"))).toBe("got INT\nstopped cleanly\n");
  });

  it("the next run stops what is left the same way, from what the crashed host recorded", async () => {
    const dir = project(slowStop("signals.log"));
    const first = startBerth(["run"], { cwd: dir });
    await first.waitForOutput(/db is ready/);
    const { runId, services } = await hostRecord(dir, "db");
    expect(services.db).toMatchObject({ stopSignal: "SIGINT", stopTimeoutMs: 10_000 });
    // Kill the guardian first, so only the next run can stop db.
    killGuardianOf(runId);
    first.child.kill("SIGKILL");
    await first.exited;
    expect(isAlive(services.db!.pid)).toBe(true);

    const second = startBerth(["run"], { cwd: dir });
    await second.waitForOutput(/db is ready/, 20_000);
    expect(second.output()).toMatch(/cleaned up \d+ process(es)? left by a crashed berth/);
    expect(second.output()).not.toMatch(/did not stop/);
    expect(isAlive(services.db!.pid)).toBe(false);
    expect(read(join(dir, "signals.log"))).toBe("got INT\nstopped cleanly\n");
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  });
});

describe("berth run", () => {
  it("fails a shell command that is not found at once, saying so, without restarts", async () => {
    const dir = project(`
      web: { command: "berth-no-such-program-xyz --port {{port}}", port: "auto",
             restart: "on-failure" },`);
    const result = await runBerth(["run"], { cwd: dir });
    expect(result.code).toBe(4);
    expect(result.output).toMatch(
      /web failed: command not found: `berth-no-such-program-xyz --port \d+` exited with code 127/,
    );
    expect(result.output).toMatch(/berth-no-such-program-xyz: (command )?not found/);
    expect(result.output).not.toMatch(/restarting/);
  });

  it("reports a service killed after its grace period, on the terminal and in its log", async () => {
    const dir = project(`
      stubborn: { command: [${node}, ${fixture("server.mjs")}], env: { IGNORE_TERM: "1" },
                  stopTimeout: "300ms", port: "auto", ready: { log: "listening" } },`);
    const berth = startBerth(["run"], { cwd: dir });
    await berth.waitForOutput(/stubborn is ready/);
    berth.child.kill("SIGINT");
    expect(await berth.exited).toBe(0);
    const text = "stubborn did not stop within 300 ms of SIGTERM; killed";
    expect(berth.output()).toContain(text);
    expect(read(join(dir, ".berth", "logs", "stubborn.log"))).toContain(text);
  });

  it("says so to `berth stop <service>` when the service had to be killed", async () => {
    const dir = project(`
      stubborn: { command: [${node}, ${fixture("server.mjs")}], env: { IGNORE_TERM: "1" },
                  stopTimeout: "300ms", port: "auto", ready: { log: "listening" } },`);
    const berth = startBerth(["run"], { cwd: dir });
    await berth.waitForOutput(/stubborn is ready/);
    const stop = await runBerth(["stop", "stubborn"], { cwd: dir });
    expect(stop.code).toBe(0);
    expect(stop.output).toContain(
      "stubborn stopped: did not stop within 300 ms of SIGTERM; killed",
    );
    berth.child.kill("SIGINT");
    expect(await berth.exited).toBe(0);
  });

  it("makes every data folder before anything starts, for a task to use another's", async () => {
    const dir = project(`
      init: { command: "test -d {{services.db.dataDir}} && echo made > {{services.db.dataDir}}/init.txt",
              oneshot: true, port: false },
      db: { command: [${node}, ${fixture("forever.mjs")}], port: false,
            dependsOn: { init: "completed" }, ready: { log: "forever" } },`);
    const berth = startBerth(["run"], { cwd: dir });
    await berth.waitForOutput(/db is ready/);
    expect(read(join(dir, ".berth", "data", "db", "init.txt"))).toBe("made\n");
    berth.child.kill("SIGINT");
    expect(await berth.exited).toBe(0);
  });
});

describe("berth run --detach", () => {
  it("says the host has exited when its only service fails, and leaves nothing running", async () => {
    const dir = project(`
      broken: { command: [${node}, ${fixture("exit.mjs")}], port: false, ready: { log: "never" } },`);
    const result = await runBerth(["run", "--detach"], { cwd: dir });
    expect(result.code).toBe(4);
    expect(result.output).toContain("fatal: cannot open database");
    expect(result.output).toMatch(
      /(No service is left running, so the app host has exited|A service failed and no service was left running, so the app host has exited) \(code 4; its log: /,
    );
    expect(result.output).not.toMatch(/keeps running/);
    expect(existsSync(join(dir, ".berth", "host.json"))).toBe(false);
    const status = await runBerth(["status"], { cwd: dir });
    expect(status.code).toBe(7);
  });

  it("says the host keeps running the others when one of several fails", async () => {
    const dir = project(`
      broken: { command: [${node}, ${fixture("exit.mjs")}], port: false, ready: { log: "never" } },
      fine: { command: [${node}, ${fixture("forever.mjs")}], port: false },`);
    const result = await runBerth(["run", "--detach"], { cwd: dir });
    expect(result.code).toBe(4);
    const pid = Number(result.output.match(/keeps running the other services \(pid (\d+)\)/)?.[1]);
    track(pid);
    expect(isAlive(pid)).toBe(true);
    expect((await runBerth(["stop"], { cwd: dir })).code).toBe(0);
  });
});
