import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freePort, portIsFree } from "./helpers/app.js";
import { runBerth, startBerth } from "./helpers/cli.js";
import { isAlive, killGuardianOf, spawnTracked, track, waitFor } from "./helpers/processes.js";
import { fixturesDir, repoRoot, tempProject } from "./helpers/project.js";

const fixture = (name: string) => JSON.stringify(join(fixturesDir, name));
const node = JSON.stringify(process.execPath);

/** A project whose config is an .mjs module (fixtures by absolute path). */
function project(services: string): string {
  return tempProject({
    "berth.config.mjs": `export default { services: { ${services} } };\n`,
  });
}

function hostRecord(dir: string): { runId: string; pid: number } {
  return JSON.parse(readFileSync(join(dir, ".berth", "host.json"), "utf8"));
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

describe("berth run", () => {
  it("runs the quickstart example: migrate, then api, then a worker that calls it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "berth-quickstart-"));
    // Without a .berth/ a developer's own demo run may have left there.
    cpSync(join(repoRoot, "examples", "quickstart"), dir, {
      recursive: true,
      filter: (source) => !source.split(/[\\/]/).includes(".berth"),
    });
    const berth = startBerth(["run"], { cwd: dir });
    await berth.waitForOutput(/all 3 services up/, 20_000);
    await berth.waitForOutput(/worker +\| worker: processed job 1; 2 todos in the API/);
    expect(berth.output()).toMatch(/migrate +\| migrate: applied 001_initial/);
    berth.child.kill("SIGINT");
    expect(await berth.exited).toBe(0);
  });

  it("stops every service and grandchild on Ctrl-C, frees the ports, and exits 0", async () => {
    const port = await freePort();
    const dir = project(`
      api: { command: [${node}, ${fixture("server.mjs")}], port: ${port}, strictPort: true,
             env: { GRANDCHILD: "grandchild.pid" }, ready: { http: "/" } },
      worker: { command: [${node}, ${fixture("forever.mjs")}], dependsOn: ["api"],
                ready: { log: "forever" } },`);
    const berth = startBerth(["run"], { cwd: dir });
    await berth.waitForOutput(/all 2 services up/);
    const grandchild = Number(readFileSync(join(dir, "grandchild.pid"), "utf8"));
    track(grandchild);

    berth.child.kill("SIGINT");
    expect(await berth.exited).toBe(0);
    expect(isAlive(grandchild)).toBe(false);
    expect(await portIsFree(port)).toBe(true);
    expect(existsSync(join(dir, ".berth", "host.json"))).toBe(false);
    const out = berth.output();
    expect(out).toMatch(/worker stopped/);
    expect(out.indexOf("worker stopped")).toBeLessThan(out.indexOf("stopping api"));
  });

  it("kills at once on a second Ctrl-C, without waiting out the grace period", async () => {
    const dir = project(`
      stubborn: { command: [${node}, ${fixture("server.mjs")}], env: { IGNORE_TERM: "1" },
                  stopTimeout: "30s", ready: { http: "/" } },`);
    const berth = startBerth(["run"], { cwd: dir });
    await berth.waitForOutput(/stubborn is ready/);
    const pid = Number(berth.output().match(/stubborn is starting \(pid (\d+)\)/)?.[1]);
    berth.child.kill("SIGINT");
    await berth.waitForOutput(/ignoring SIGTERM/);
    const began = Date.now();
    berth.child.kill("SIGINT");
    expect(await berth.exited).toBe(130);
    expect(Date.now() - began).toBeLessThan(5000);
    expect(isAlive(pid)).toBe(false);
  });

  it("keeps the others running when one service fails, and exits non-zero at the end", async () => {
    const dir = project(`
      broken: { command: [${node}, ${fixture("exit.mjs")}], ready: { http: "/" } },
      fine: { command: [${node}, ${fixture("forever.mjs")}], port: false },`);
    const berth = startBerth(["run"], { cwd: dir });
    await berth.waitForOutput(/1 of 2 services failed \(broken\); the others keep running/);
    const out = berth.output();
    // Both streams reach the terminal, prefixed, and the service's log file.
    expect(out).toMatch(/broken +\| starting up/);
    expect(out).toMatch(/broken +\| fatal: cannot open database/);
    const log = readFileSync(join(dir, ".berth", "logs", "broken.log"), "utf8");
    expect(log).toContain("starting up");
    expect(log).toContain("fatal: cannot open database");
    berth.child.kill("SIGTERM");
    expect(await berth.exited).toBe(4);
  });

  it("exits by itself once every service has completed", async () => {
    const dir = project(`
      one: { command: [${node}, ${fixture("exit.mjs")}], oneshot: true, env: { EXIT_CODE: "0" } },
      two: { command: "echo two done", oneshot: true, dependsOn: ["one"] },`);
    const result = await runBerth(["run"], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.output).toMatch(/two +\| two done/);
  });

  it("leaves no service running when the host is killed with SIGKILL", async () => {
    const dir = project(`
      api: { command: [${node}, ${fixture("server.mjs")}], env: { GRANDCHILD: "gc.pid" },
             ready: { http: "/" } },`);
    const berth = startBerth(["run"], { cwd: dir });
    await berth.waitForOutput(/api is ready/);
    const servicePid = Number(berth.output().match(/api is starting \(pid (\d+)\)/)?.[1]);
    const grandchild = Number(readFileSync(join(dir, "gc.pid"), "utf8"));
    track(grandchild);
    berth.child.kill("SIGKILL");
    await waitFor(() => !isAlive(grandchild), "the guardian to kill the grandchild", 3000);
    await waitFor(() => !isAlive(servicePid), "the guardian to kill the service", 3000);
  });

  it("cleans up what a crashed host and its guardian left, on the next run", async () => {
    const dir = project(`
      api: { command: [${node}, ${fixture("server.mjs")}], env: { GRANDCHILD: "gc.pid" },
             ready: { http: "/" } },`);
    const first = startBerth(["run"], { cwd: dir });
    await first.waitForOutput(/api is ready/);
    const { runId } = hostRecord(dir);
    const grandchild = Number(readFileSync(join(dir, "gc.pid"), "utf8"));
    track(grandchild);
    // Kill the guardian first, so nothing stops the services when the host dies.
    killGuardianOf(runId);
    first.child.kill("SIGKILL");
    await first.exited;
    expect(isAlive(grandchild)).toBe(true);

    const second = startBerth(["run"], { cwd: dir });
    await second.waitForOutput(/api is ready/);
    expect(second.output()).toMatch(/cleaned up \d+ process/);
    expect(isAlive(grandchild)).toBe(false);
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  });

  it("refuses a second host for the same project, naming the PID that runs it", async () => {
    const dir = project(`api: { command: [${node}, ${fixture("forever.mjs")}] },`);
    const first = startBerth(["run"], { cwd: dir });
    await first.waitForOutput(/api is ready/);
    const second = await runBerth(["run"], { cwd: dir });
    expect(second.code).toBe(6);
    expect(second.output).toContain(`already running this project (PID ${first.child.pid}`);
    first.child.kill("SIGINT");
    expect(await first.exited).toBe(0);
  });

  it("fails on a taken fixed port, naming the process that holds it, and starts nothing", async () => {
    const port = await freePort();
    const holder = spawnTracked(process.execPath, [join(fixturesDir, "server.mjs")], {
      env: { ...process.env, PORT: String(port) },
      stdio: "ignore",
    });
    await waitFor(async () => !(await portIsFree(port)), "the holder to listen");
    const dir = project(`
      api: { command: [${node}, ${fixture("forever.mjs")}], port: ${port}, strictPort: true },
      other: { command: [${node}, ${fixture("forever.mjs")}] },`);
    const result = await runBerth(["run"], { cwd: dir });
    expect(result.code).toBe(5);
    expect(result.output).toContain(`services.api.port: port ${port} is already in use`);
    expect(result.output).toContain(`PID ${holder.pid}`);
    expect(result.output).not.toMatch(/is ready/);
  });

  it("stops what it started when its control socket cannot open, and frees the port", async () => {
    const port = await freePort();
    const dir = project(`
      api: { command: [${node}, ${fixture("server.mjs")}], port: ${port}, strictPort: true,
             ready: { http: "/" } },`);
    // A plain file where the runtime dir should be: the socket cannot be made.
    const runtimeDir = join(dir, "not-a-dir");
    writeFileSync(runtimeDir, "");
    const result = await runBerth(["run"], { cwd: dir, env: { BERTH_RUNTIME_DIR: runtimeDir } });
    expect(result.code).toBe(3);
    expect(result.output).toContain(`Cannot open this app host's control socket in ${runtimeDir}`);
    expect(await portIsFree(port)).toBe(true);
    expect(existsSync(join(dir, ".berth", "host.json"))).toBe(false);
  });

  it("tells a different instance on the port apart from a service not up yet", async () => {
    const other = createServer((_req, res) => res.end("someone-else"));
    servers.push(other);
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    const { port } = other.address() as { port: number };
    const dir = project(`
      api: { command: [${node}, ${fixture("forever.mjs")}],
             ready: { http: { url: "http://127.0.0.1:${port}/", body: "{{instance.name}}" } } },`);
    const result = await runBerth(["run"], { cwd: dir });
    expect(result.code).toBe(4);
    expect(result.output).toMatch(/different instance/);
    expect(result.output).toContain("someone-else");
    // Not a silent exit: berth says why it ends.
    expect(result.output).toContain("no service is left running (failed: api); berth exits");
  });

  it("keeps ports from run to run and gives every service the others' URLs", async () => {
    const dir = project(`
      api: { command: [${node}, ${fixture("server.mjs")}], ready: { http: "/" } },
      probe: { command: ["sh", "-c", "echo api=$BERTH_API_URL port=$PORT"], oneshot: true,
               port: "auto", dependsOn: ["api"] },`);
    const first = startBerth(["run"], { cwd: dir });
    const [, url, probePort] = await first.waitForOutput(/api=(\S+) port=(\d+)/);
    first.child.kill("SIGINT");
    expect(await first.exited).toBe(0);
    const state = JSON.parse(readFileSync(join(dir, ".berth", "state.json"), "utf8"));
    expect(`http://localhost:${state.ports.api}`).toBe(url);

    const second = startBerth(["run"], { cwd: dir });
    await second.waitForOutput(/api=(\S+) port=(\d+)/);
    expect(second.output()).toContain(`api=${url} port=${probePort}`);
    second.child.kill("SIGINT");
    expect(await second.exited).toBe(0);
  });

  it("reports an invalid config with the field's path and starts nothing", async () => {
    const dir = project(
      `api: { command: [${node}, ${fixture("forever.mjs")}], dependOn: ["db"] },`,
    );
    const result = await runBerth(["run"], { cwd: dir });
    expect(result.code).toBe(3);
    expect(result.output).toContain("berth.config.mjs");
    expect(result.output).toContain("services.api");
    expect(result.output).toContain("dependsOn");
    expect(result.output).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, ".berth", "host.json"))).toBe(false);
  });
});
