import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type ServerResponse } from "node:http";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runBerth, startBerth } from "../helpers/cli.js";
import { isAlive, spawnTracked, waitFor } from "../helpers/processes.js";
import { tempProject } from "../helpers/project.js";

/**
 * Races between `run`, `run --detach` and `stop`: two detached starts at once, and a stop
 * that comes while a host is still starting (it holds the project's lock, but its control
 * socket is not open yet).
 */

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

describe("two `berth run --detach` at once", () => {
  it("one wins; the other says it is already running (exit 6) and leaves the winner's log alone", async () => {
    // Loading takes a while, so both launchers find nothing running and both start a host:
    // the hosts race for the project's lock.
    const dir = tempProject({
      "berth.config.mjs": `await new Promise((resolve) => setTimeout(resolve, 300));
export default { services: { api: { command: "echo api says hello; sleep 30", port: false } } };
`,
    });
    const results = await Promise.all([
      runBerth(["run", "--detach"], { cwd: dir }),
      runBerth(["run", "--detach"], { cwd: dir }),
    ]);
    const winner = results.find((r) => r.code === 0);
    const loser = results.find((r) => r !== winner);
    expect(winner?.output).toContain("berth runs in the background");
    expect(loser?.code).toBe(6);
    expect(loser?.output).toMatch(/already running this project .*`berth stop` stops it/);

    const log = readFileSync(join(dir, ".berth", "host.log"), "utf8");
    expect(log).toContain("starting 1 service");
    expect(log).not.toContain("already running");
    expect(log).not.toContain("\0");
    expect(readdirSync(join(dir, ".berth")).filter((f) => f.includes("starting"))).toEqual([]);
    expect((await runBerth(["stop"], { cwd: dir })).code).toBe(0);
  });
});

describe("`berth stop` while a host is starting", () => {
  it("stops a host that holds the lock but has no socket yet (a binary still downloading)", async () => {
    // A download server that never answers: the host holds the lock and waits on it.
    const pending: ServerResponse[] = [];
    let asked = false;
    const server = createServer((_req, res) => {
      asked = true;
      pending.push(res);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    closers.push(async () => {
      for (const res of pending) res.destroy();
      await new Promise((resolve) => server.close(resolve));
    });
    const { port } = server.address() as { port: number };
    const platform = `${process.platform}-${process.arch}`;
    const dir = tempProject({
      "berth.config.json": JSON.stringify({
        services: {
          db: {
            binary: {
              name: "slowdb",
              version: "1.0.0",
              url: `http://127.0.0.1:${port}/slowdb.tar.gz`,
              path: "slowdb",
              sha256: { [platform]: "0".repeat(64) },
            },
          },
          api: { command: "sleep 30", port: false },
        },
      }),
    });
    const run = startBerth(["run"], { cwd: dir });
    await waitFor(() => asked, "the host to ask for the binary");
    const hostJson = JSON.parse(readFileSync(join(dir, ".berth", "host.json"), "utf8"));
    expect(hostJson.pid).toBe(run.child.pid);

    const stop = await runBerth(["stop"], { cwd: dir });
    expect(stop.code).toBe(0);
    expect(stop.output).toContain(`(pid ${run.child.pid}) is starting; stopping it`);
    expect(stop.output).toMatch(/stopped .* in \d/);
    expect(await run.exited).toBe(0);
    expect(run.output()).toContain("SIGTERM: stopped before any service started");
    expect(isAlive(run.child.pid!)).toBe(false);
    expect(readdirSync(join(dir, ".berth"))).not.toContain("host.json");
  });

  it("stops a host whose config is still loading, and frees the lock", async () => {
    const dir = tempProject({
      "berth.config.mjs": `await new Promise((resolve) => setTimeout(resolve, 8000));
export default { services: { api: { command: "touch started; sleep 30", port: false } } };
`,
    });
    const run = startBerth(["run"], { cwd: dir });
    await waitFor(() => existsSync(join(dir, ".berth", "host.json")), "the host to take its lock");
    const stop = await runBerth(["stop"], { cwd: dir });
    expect(stop.code).toBe(0);
    expect(stop.output).toContain(`(pid ${run.child.pid}) is starting; stopping it`);
    expect(await run.exited).toBe(0);
    expect(existsSync(join(dir, ".berth", "host.json"))).toBe(false);
    expect(existsSync(join(dir, "started"))).toBe(false);
  });

  it("never signals a process that only reuses the pid in a stale lock", async () => {
    const dir = tempProject({
      "berth.config.mjs": `export default { services: { a: { command: "sleep 30", port: false } } };\n`,
    });
    // A live process that is not a berth host, named by a lock left behind by a crash.
    const sleeper = spawnTracked("sleep", ["30"]);
    mkdirSync(join(dir, ".berth"));
    writeFileSync(
      join(dir, ".berth", "host.json"),
      JSON.stringify({
        pid: sleeper.pid,
        startTime: "1",
        startedAt: new Date().toISOString(),
        appHostPath: join(dir, "berth.config.mjs"),
        runId: "old",
        services: {},
      }),
    );
    const stop = await runBerth(["stop"], { cwd: dir });
    expect(stop.code).toBe(0);
    expect(stop.output).toContain("Nothing to stop");
    expect(isAlive(sleeper.pid!)).toBe(true);
  });
});
