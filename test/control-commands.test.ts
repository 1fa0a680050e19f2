import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { freePort, portIsFree } from "./helpers/app.js";
import { runBerth, startBerth } from "./helpers/cli.js";
import { isAlive, track, waitFor } from "./helpers/processes.js";
import { fixturesDir, tempProject } from "./helpers/project.js";

const fixture = (name: string) => JSON.stringify(join(fixturesDir, name));
const node = JSON.stringify(process.execPath);

function config(services: string): string {
  return `export default { services: { ${services} } };\n`;
}

const apiAndWorker = (port: number) =>
  config(`
    api: { command: [${node}, ${fixture("server.mjs")}], port: ${port}, ready: { http: "/" } },
    worker: { command: [${node}, ${fixture("forever.mjs")}], port: false, dependsOn: ["api"],
              ready: { log: "forever" } },`);

interface PsEntry {
  appHostPath: string;
  pid: number;
  status: string;
  inScope: boolean;
  servicesReady: number;
  servicesTotal: number;
}

async function ps(cwd: string): Promise<PsEntry[]> {
  const result = await runBerth(["ps", "--json"], { cwd });
  expect(result.code).toBe(0);
  return JSON.parse(result.output) as PsEntry[];
}

describe("berth run --detach and the control commands", () => {
  it("runs detached, lists, logs, restarts, and stops with its ports freed", async () => {
    const port = await freePort();
    const dir = tempProject({ "berth.config.mjs": apiAndWorker(port) });

    const up = await runBerth(["run", "--detach"], { cwd: dir });
    expect(up.code).toBe(0);
    expect(up.output).toMatch(new RegExp(`api +ready +http://localhost:${port}`));
    expect(up.output).toMatch(/worker +ready/);

    const [host] = await ps(dir);
    expect(host).toMatchObject({
      status: "live",
      inScope: true,
      servicesReady: 2,
      servicesTotal: 2,
    });
    track(host!.pid);
    expect(host!.appHostPath).toBe(join(dir, "berth.config.mjs"));

    const again = await runBerth(["run", "--detach"], { cwd: dir });
    expect(again.code).toBe(0);
    expect(again.output).toContain(
      `already runs ${join(dir, "berth.config.mjs")} (pid ${host!.pid})`,
    );

    const status = await runBerth(["status", "--json"], { cwd: dir });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.output)).toMatchObject({ status: "running", pid: host!.pid });

    const logs = await runBerth(["logs", "api", "-n", "5"], { cwd: dir });
    expect(logs.code).toBe(0);
    expect(logs.output).toContain(`api | listening on ${port}`);

    const restarted = await runBerth(["restart", "api"], { cwd: dir });
    expect(restarted.code).toBe(0);
    expect(restarted.output).toContain(`api is ready at http://localhost:${port}`);

    const unknown = await runBerth(["restart", "apu"], { cwd: dir });
    expect(unknown.code).toBe(2);
    expect(unknown.output).toContain('No service named "apu"');
    expect(unknown.output).not.toMatch(/\n\s+at /);

    const stopped = await runBerth(["stop"], { cwd: dir });
    expect(stopped.code).toBe(0);
    expect(stopped.output).toMatch(/stopped .*berth\.config\.mjs \(pid \d+\)/);
    expect(isAlive(host!.pid)).toBe(false);
    expect(await portIsFree(port)).toBe(true);

    expect(await ps(dir)).toEqual([]);
    const after = await runBerth(["status"], { cwd: dir });
    expect(after.code).toBe(7);
    const nothing = await runBerth(["stop"], { cwd: dir });
    expect(nothing.code).toBe(0);
    expect(nothing.output).toContain("Nothing to stop");
  });

  it("reports a service that fails while detaching, with its last lines, and exits non-zero", async () => {
    const dir = tempProject({
      "berth.config.mjs": config(`
        broken: { command: [${node}, ${fixture("exit.mjs")}], ready: { http: "/" } },
        fine: { command: [${node}, ${fixture("forever.mjs")}], port: false },`),
    });
    const result = await runBerth(["run", "--detach"], { cwd: dir });
    expect(result.code).toBe(4);
    expect(result.output).toContain(
      "broken failed: exited before it was ready (exited with code 1)",
    );
    expect(result.output).toContain("fatal: cannot open database");
    const [host] = await ps(dir);
    track(host!.pid);
    expect((await runBerth(["stop"], { cwd: dir })).code).toBe(0);
  });

  it("drives a foreground `berth run` from another terminal the same way", async () => {
    const port = await freePort();
    const dir = tempProject({ "berth.config.mjs": apiAndWorker(port) });
    const foreground = startBerth(["run"], { cwd: dir });
    await foreground.waitForOutput(/all 2 services up/);

    const follow = startBerth(["logs", "worker", "-f", "-n", "0"], { cwd: dir });
    const [host] = await ps(dir);
    expect(host).toMatchObject({ pid: foreground.child.pid, status: "live" });

    const stopWorker = await runBerth(["stop", "worker"], { cwd: dir });
    expect(stopWorker.code).toBe(0);
    expect(stopWorker.output).toContain("worker stopped");
    const startWorker = await runBerth(["start", "worker"], { cwd: dir });
    expect(startWorker.code).toBe(0);
    // The follower saw the new process's first line.
    await follow.waitForOutput(/worker \| forever \d+/);

    const stopped = await runBerth(["stop"], { cwd: dir });
    expect(stopped.code).toBe(0);
    expect(await foreground.exited).toBe(0);
    expect(await follow.exited).toBe(0);
    expect(follow.output()).toContain("the app host stopped");
  });

  it("asks which host to use when several run below the current folder", async () => {
    const root = tempProject({
      "a/berth.config.mjs": config(
        `a: { command: [${node}, ${fixture("forever.mjs")}], port: false }`,
      ),
      "b/berth.config.mjs": config(
        `b: { command: [${node}, ${fixture("forever.mjs")}], port: false }`,
      ),
    });
    for (const name of ["a", "b"]) {
      const up = await runBerth(["run", "--detach"], { cwd: join(root, name) });
      expect(up.code).toBe(0);
    }
    for (const host of await ps(root)) track(host.pid);

    const ambiguous = await runBerth(["logs"], { cwd: root });
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.output).toContain("2 app hosts run under");
    expect(ambiguous.output).toContain(join(root, "a", "berth.config.mjs"));

    const picked = await runBerth(["logs", "--apphost", "b"], { cwd: root });
    expect(picked.code).toBe(0);
    expect(picked.output).toMatch(/b \| forever \d+/);

    const elsewhere = join(root, "c");
    mkdirSync(elsewhere);
    const none = await runBerth(["logs"], { cwd: elsewhere });
    expect(none.code).toBe(7);
    expect(none.output).toContain("No app host runs under");

    const all = await runBerth(["stop", "--all"], { cwd: root });
    expect(all.code).toBe(0);
    expect(await ps(root)).toEqual([]);
  });

  it("tells apart a project whose port another instance holds", async () => {
    const port = await freePort();
    const dir = tempProject({
      "berth.config.mjs": config(`api: { command: [${node}, ${fixture("forever.mjs")}] }`),
    });
    mkdirSync(join(dir, ".berth"), { recursive: true });
    writeFileSync(
      join(dir, ".berth", "state.json"),
      JSON.stringify({ version: 1, ports: { api: port } }),
    );
    const holder = tempProject({
      "berth.config.mjs": config(
        `api: { command: [${node}, ${fixture("server.mjs")}], port: ${port}, strictPort: true, ready: { http: "/" } }`,
      ),
    });
    const up = await runBerth(["run", "--detach"], { cwd: holder });
    expect(up.code).toBe(0);
    for (const host of await ps(holder)) track(host.pid);

    const status = await runBerth(["status", "--json"], { cwd: dir });
    expect(status.code).toBe(5);
    const report = JSON.parse(status.output);
    expect(report.status).toBe("port-taken");
    expect(report.takenPorts[0]).toMatchObject({ service: "api", port });
    expect(report.takenPorts[0].instance).toMatch(/^berth-project-/);
    await runBerth(["stop", "--all"], { cwd: holder });
    await waitFor(() => portIsFree(port), "the port to be free");
  });
});
