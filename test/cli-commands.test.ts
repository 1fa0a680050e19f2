import { chmodSync, existsSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freePort, portIsFree } from "./helpers/app.js";
import { runBerth, startBerth } from "./helpers/cli.js";
import { track } from "./helpers/processes.js";
import { fixturesDir, tempProject } from "./helpers/project.js";

const fixture = (name: string) => JSON.stringify(join(fixturesDir, name));
const node = JSON.stringify(process.execPath);

function project(services: string, file = "berth.config.mjs"): string {
  return tempProject({ [file]: `export default { services: { ${services} } };\n` });
}

/** db ← api, and web on its own; none has a port unless given one. */
const threeServices = (apiPort: number) => `
  db: { command: [${node}, ${fixture("forever.mjs")}], port: false, ready: { log: "forever" } },
  api: { command: [${node}, ${fixture("server.mjs")}], port: ${apiPort}, dependsOn: ["db"],
         ready: { http: "/" } },
  web: { command: [${node}, ${fixture("forever.mjs")}], port: false, ready: { log: "forever" } },`;

interface PsService {
  name: string;
  state: string;
  url: string | null;
  pid: number | null;
  port: number | null;
  reason: string | null;
}

async function psJson(
  cwd: string,
  args: string[] = [],
): Promise<
  {
    pid: number;
    appHostPath: string;
    services: PsService[];
  }[]
> {
  const result = await runBerth(["ps", "--json", ...args], { cwd });
  expect(result.code).toBe(0);
  return JSON.parse(result.output);
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

describe("berth run [service...]", () => {
  it("starts only the services named and what they depend on, in the foreground", async () => {
    const port = await freePort();
    const dir = project(threeServices(port));
    const berth = startBerth(["run", "api"], { cwd: dir });
    await berth.waitForOutput(/all 2 services up/);
    expect(berth.output()).toContain("starting 2 of 3 services of");
    const [host] = await psJson(dir);
    expect(host!.services.map((s) => s.name).sort()).toEqual(["api", "db"]);
    berth.child.kill("SIGINT");
    expect(await berth.exited).toBe(0);
    expect(existsSync(join(dir, ".berth", "logs", "web.log"))).toBe(false);
  });

  it("does the same with --detach", async () => {
    const port = await freePort();
    const dir = project(threeServices(port));
    const up = await runBerth(["run", "--detach", "web"], { cwd: dir });
    expect(up.code).toBe(0);
    const [host] = await psJson(dir);
    track(host!.pid);
    expect(host!.services.map((s) => s.name)).toEqual(["web"]);
    expect(await portIsFree(port)).toBe(true);
    expect((await runBerth(["stop"], { cwd: dir })).code).toBe(0);
  });

  it("says which services a host started without, to every command that asks for them", async () => {
    const port = await freePort();
    const dir = project(threeServices(port));
    const up = await runBerth(["run", "--detach", "web"], { cwd: dir });
    expect(up.code).toBe(0);
    const [host] = await psJson(dir);
    track(host!.pid);
    const config = join(dir, "berth.config.mjs");
    const without = `api is in ${config}, but this app host was started without it and runs only web.`;
    const start = await runBerth(["start", "api"], { cwd: dir });
    expect(start.code).toBe(2);
    expect(start.output).toContain(without);
    // exec would find BERTH_API_URL unset: the services it needs did not come up.
    const exec = await runBerth(["exec", "--", "true"], { cwd: dir });
    expect(exec.code).toBe(125);
    expect(exec.output).toContain("was started without db, api; it runs only web");
    expect((await runBerth(["exec", "--only", "web", "--", "true"], { cwd: dir })).code).toBe(0);
    const again = await runBerth(["run", "--detach", "api"], { cwd: dir });
    expect(again.code).toBe(6);
    expect(again.output).toContain("started without api: it runs only web. Stop it (`berth stop`)");
    expect((await runBerth(["run", "--detach", "web"], { cwd: dir })).code).toBe(0);
    expect((await runBerth(["stop"], { cwd: dir })).code).toBe(0);
  });

  it("refuses an unknown name with a did-you-mean, starting nothing", async () => {
    const dir = project(threeServices(await freePort()));
    const result = await runBerth(["run", "apu"], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.output).toContain(
      `berth run: no service named "apu" in ${join(dir, "berth.config.mjs")}; did you mean "api"? ` +
        "Its services are: db, api, web.",
    );
    expect(existsSync(join(dir, ".berth", "logs"))).toBe(false);
    const far = await runBerth(["run", "--detach", "zzzzzz"], { cwd: dir });
    expect(far.code).toBe(2);
    expect(far.output).toContain(`no service named "zzzzzz" in ${join(dir, "berth.config.mjs")}.`);
    expect(await psJson(dir)).toEqual([]);
  });
});

describe("berth logs when the project is not running", () => {
  it("prints the last lines of each service's log file and says it is not running", async () => {
    const dir = project(`
      api: { command: [${node}, ${fixture("server.mjs")}], port: ${await freePort()},
             ready: { http: "/" } },
      job: { command: ["sh", "-c", "for i in 1 2 3 4 5; do echo line $i; done; echo secret {{instance.secret}}"],
             oneshot: true, dependsOn: ["api"] },`);
    const ran = await runBerth(["exec", "--", "true"], { cwd: dir });
    expect(ran.code).toBe(0);

    const all = await runBerth(["logs", "-n", "3"], { cwd: dir });
    expect(all.code).toBe(0);
    // Service by service, the one written last (job, after api) last.
    expect(all.output).toMatch(/api \| listening on \d+\n[^]*job \| line 4\njob \| line 5\n/);
    expect(all.output).toMatch(/job \| secret \*\*\*[0-9a-f]{4}\n/);
    expect(all.output).toContain(`${join(dir, "berth.config.mjs")} is not running`);
    expect(all.output).toMatch(/above are the last \d+ lines of its log files/);

    const one = await runBerth(["logs", "job", "-n", "1"], { cwd: dir });
    expect(one.code).toBe(0);
    expect(one.output).toMatch(/^job \| secret \*\*\*[0-9a-f]{4}\n/);
    expect(one.output).toContain("above are the last 1 line of its log files");
    expect(one.output).not.toContain("api |");

    const json = await runBerth(["logs", "job", "-n", "2", "--json"], { cwd: dir });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.output.split("\n")[0]!)).toEqual({
      service: "job",
      time: null,
      stream: null,
      text: "line 5",
    });

    const follow = await runBerth(["logs", "-f", "job", "-n", "1"], { cwd: dir });
    expect(follow.code).toBe(0);
    expect(follow.output).toContain("nothing to follow");

    const typo = await runBerth(["logs", "jbo"], { cwd: dir });
    expect(typo.code).toBe(2);
    expect(typo.output).toContain('did you mean "job"?');
    // Not in the config at all: a usage error too, not "it has not run yet".
    const unknown = await runBerth(["logs", "zzz"], { cwd: dir });
    expect(unknown.code).toBe(2);
    expect(unknown.output).toContain('no service named "zzz"');

    // From elsewhere, naming the project.
    const elsewhere = tempProject();
    const named = await runBerth(["logs", "--config", dir, "job", "-n", "1"], { cwd: elsewhere });
    expect(named.code).toBe(0);
    expect(named.output).toContain("job | secret");
  });

  it("exits 7 when there are no logs at all", async () => {
    const dir = project(`a: { command: [${node}, ${fixture("forever.mjs")}], port: false },`);
    const result = await runBerth(["logs"], { cwd: dir });
    expect(result.code).toBe(7);
    expect(result.output).toContain("is not running, and it has no logs yet");
    const nowhere = await runBerth(["logs"], { cwd: tempProject() });
    expect(nowhere.code).toBe(7);
    expect(nowhere.output).toContain("No app host runs under");
  });
});

describe("berth ps and berth status", () => {
  it("show each service's state and URL, with no empty column", async () => {
    const port = await freePort();
    const dir = project(`
      api: { command: [${node}, ${fixture("server.mjs")}], port: ${port}, ready: { http: "/" } },
      worker: { command: [${node}, ${fixture("forever.mjs")}], port: false, ready: { log: "forever" } },
      broken: { command: [${node}, ${fixture("exit.mjs")}], port: false, ready: { log: "never" } },`);
    const up = await runBerth(["run", "--detach"], { cwd: dir });
    expect(up.code).toBe(4);
    const [host] = await psJson(dir);
    track(host!.pid);
    const byName = Object.fromEntries(host!.services.map((s) => [s.name, s]));
    expect(byName.api).toMatchObject({ state: "ready", url: `http://localhost:${port}`, port });
    expect(byName.worker).toMatchObject({ state: "ready", url: null, port: null });
    expect(byName.broken).toMatchObject({ state: "failed", pid: null });
    expect(byName.broken!.reason).toContain("exited before it was ready");

    const ps = await runBerth(["ps"], { cwd: dir });
    expect(ps.code).toBe(0);
    const lines = ps.output.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^APP HOST \/ SERVICE +STATE +URL +PID +UPTIME +SCOPE$/);
    expect(ps.output).not.toContain("DASHBOARD");
    // The host's row: its dashboard's login link in the URL column.
    expect(lines[1]).toMatch(
      /berth\.config\.mjs +2\/3 ready +http:\/\/127\.0\.0\.1:\d+\/login\?token=[\w-]{43} +\d+ +[\d.]+ m?s +here$/,
    );
    expect(ps.output).toMatch(
      new RegExp(`\\n  api +ready +http://localhost:${port} +\\d+ +[\\d.]+ m?s\\n`),
    );
    expect(ps.output).toMatch(/\n {2}worker +ready +\d+ +[\d.]+ m?s\n/);
    expect(ps.output).toMatch(/\n {2}broken +failed\n/);

    const status = await runBerth(["status"], { cwd: dir });
    expect(status.code).toBe(0);
    expect(status.output).toContain("running (pid");
    expect(status.output).toMatch(/ {2}SERVICE +STATE +URL +PID +UPTIME +REASON\n/);
    expect(status.output).toMatch(
      /\n {2}broken +failed +exited before it was ready \(exited with code 1\)\n/,
    );
    const report = JSON.parse((await runBerth(["status", "--json"], { cwd: dir })).output);
    expect(report.services.map((s: PsService) => s.name)).toEqual(["api", "worker", "broken"]);
    expect(report.services[0]).toMatchObject({ state: "ready", port });

    // Another folder: only the project named.
    const elsewhere = tempProject();
    expect(await psJson(elsewhere, ["--config", dir])).toHaveLength(1);
    expect(await psJson(elsewhere, ["--config", tempProjectWithConfig()])).toEqual([]);
    expect((await runBerth(["stop", "--config", dir], { cwd: elsewhere })).code).toBe(0);
  });
});

function tempProjectWithConfig(): string {
  return project(`a: { command: ["true"], port: false },`);
}

describe("--config on every command that acts on the project", () => {
  it("means the same as --apphost", async () => {
    const port = await freePort();
    const dir = project(`
      api: { command: [${node}, ${fixture("server.mjs")}], port: ${port}, ready: { http: "/" } },`);
    const elsewhere = tempProject();
    const config = join(dir, "berth.config.mjs");
    const up = await runBerth(["run", "--detach", "--config", config], { cwd: elsewhere });
    expect(up.code).toBe(0);
    const [host] = await psJson(dir);
    track(host!.pid);

    const status = await runBerth(["status", "--apphost", dir], { cwd: elsewhere });
    expect(status.code).toBe(0);
    const logs = await runBerth(["logs", "-c", config], { cwd: elsewhere });
    expect(logs.output).toContain(`api | listening on ${port}`);
    const restarted = await runBerth(["restart", "api", "--config", dir], { cwd: elsewhere });
    expect(restarted.code).toBe(0);
    expect(restarted.output).toContain("api is ready");
    const stopApi = await runBerth(["stop", "api", "--config", config], { cwd: elsewhere });
    expect(stopApi.output).toContain("api stopped");
    const startApi = await runBerth(["start", "api", "--config", config], { cwd: elsewhere });
    expect(startApi.code).toBe(0);
    const exec = await runBerth(
      [
        "exec",
        "--config",
        config,
        "--",
        process.execPath,
        "-e",
        "console.log(process.env.BERTH_API_URL)",
      ],
      { cwd: elsewhere },
    );
    expect(exec.output).toContain(`http://localhost:${port}`);
    const both = await runBerth(["logs", "--config", config, "--apphost", elsewhere], {
      cwd: elsewhere,
    });
    expect(both.code).toBe(2);
    const stopped = await runBerth(["stop", "--config", config], { cwd: elsewhere });
    expect(stopped.code).toBe(0);
    expect(stopped.output).toContain("stopped");
    expect(await psJson(dir)).toEqual([]);
  });
});

describe("berth exec before the command runs", () => {
  it("exits 127 for a command that does not exist, and starts nothing", async () => {
    const dir = project(`a: { command: [${node}, ${fixture("forever.mjs")}], port: false },`);
    const result = await runBerth(["exec", "--", "no-such-command-here", "x"], { cwd: dir });
    expect(result.code).toBe(127);
    expect(result.output).toContain("no-such-command-here: command not found on PATH");
    expect(existsSync(join(dir, ".berth"))).toBe(false);

    const path = await runBerth(["exec", "--", "./missing.sh"], { cwd: dir });
    expect(path.code).toBe(127);
    expect(path.output).toContain("./missing.sh: no such file");

    writeFileSync(join(dir, "script.sh"), "echo hi\n");
    chmodSync(join(dir, "script.sh"), 0o644);
    const notExecutable = await runBerth(["exec", "--", "./script.sh"], { cwd: dir });
    expect(notExecutable.code).toBe(126);
    expect(notExecutable.output).toContain("is not executable");
    expect(existsSync(join(dir, ".berth"))).toBe(false);

    chmodSync(join(dir, "script.sh"), 0o755);
    const runs = await runBerth(["exec", "--", "./script.sh"], { cwd: dir });
    expect(runs.code).toBe(0);
    expect(runs.output).toContain("hi");
  });

  it("exits 125 whatever kept the services from coming up", async () => {
    const invalid = project(`a: { comand: "true" },`);
    const config = await runBerth(["exec", "--", "true"], { cwd: invalid });
    expect(config.code).toBe(125);
    expect(config.output).toContain("did not come up");
    expect(config.output).toContain("services.a.comand: unknown key");

    const none = await runBerth(["exec", "--", "true"], { cwd: tempProject() });
    expect(none.code).toBe(125);
    expect(none.output).toContain("No berth config found");

    const port = await freePort();
    const server = createServer();
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    const taken = project(`
      api: { command: [${node}, ${fixture("server.mjs")}], port: ${port}, strictPort: true },`);
    const result = await runBerth(["exec", "--", "true"], { cwd: taken });
    expect(result.code).toBe(125);
    expect(result.output).toContain(`${port}`);
    expect(result.output).toContain("did not come up");
  });
});

describe("what a user sees", () => {
  it("a config that throws names the user's file, line and column", async () => {
    const dir = tempProject({
      "berth.config.ts": [
        "type Ports = Record<string, number>;",
        "const ports: Ports = {};",
        "function portOf(name: string): number {",
        "  const found: number = (ports as any)[name].value;",
        "  return found;",
        "}",
        'export default { services: { api: { command: "true", port: portOf("api") } } };',
        "",
      ].join("\n"),
    });
    const result = await runBerth(["run"], { cwd: dir });
    expect(result.code).toBe(3);
    const file = join(dir, "berth.config.ts");
    expect(result.output).toContain(
      `Cannot load ${file}: it threw at line 4, column 46: TypeError: Cannot read properties of undefined (reading 'value')`,
    );
    expect(result.output).toContain(`at ${file}:4:46`);
    expect(result.output).toContain("4 |   const found: number = (ports as any)[name].value;");
    expect(result.output).not.toMatch(/berth\.cjs|dist\/|node_modules/);
  });

  it("two config files in one folder is an error naming both", async () => {
    const dir = tempProject({
      "berth.config.ts": "export default { services: {} };\n",
      "berth.config.mjs": "export default { services: {} };\n",
    });
    const result = await runBerth(["status"], { cwd: dir });
    expect(result.code).toBe(3);
    expect(result.output).toContain("berth.config.ts and berth.config.mjs");
    expect(result.output).toContain("pass --config <file>");
    const picked = await runBerth(["status", "--config", "berth.config.ts"], { cwd: dir });
    expect(picked.code).toBe(7);
  });

  it("prints a crashing service's stack once", async () => {
    const dir = project(`
      solo: { command: [${node}, "-e", "console.log('up'); throw new Error('kaboom')"],
              port: false, ready: { log: "never printed" } },`);
    const result = await runBerth(["run"], { cwd: dir });
    expect(result.code).toBe(4);
    expect(result.output).toContain("solo failed: exited before it was ready");
    expect(result.output.match(/Error: kaboom/g)).toHaveLength(1);
    // Where the output is not shown, the failure shows it.
    const exec = await runBerth(["exec", "--", "true"], { cwd: dir });
    expect(exec.code).toBe(125);
    expect(exec.output.match(/Error: kaboom/g)).toHaveLength(1);
    const shown = await runBerth(["exec", "--logs", "--", "true"], { cwd: dir });
    expect(shown.code).toBe(125);
    expect(shown.output.match(/Error: kaboom/g)).toHaveLength(1);
  });

  it("counts one service in the singular", async () => {
    const dir = project(`a: { command: [${node}, ${fixture("forever.mjs")}], port: false },`);
    const berth = startBerth(["run"], { cwd: dir });
    await berth.waitForOutput(/1 service up/);
    expect(berth.output()).toContain("starting 1 service of");
    berth.child.kill("SIGINT");
    expect(await berth.exited).toBe(0);
  });

  it("names berth stop when the project already runs in the background", async () => {
    const dir = project(`a: { command: [${node}, ${fixture("forever.mjs")}], port: false },`);
    expect((await runBerth(["run", "--detach"], { cwd: dir })).code).toBe(0);
    const [host] = await psJson(dir);
    track(host!.pid);
    const again = await runBerth(["run"], { cwd: dir });
    expect(again.code).toBe(6);
    expect(again.output).toContain("`berth stop` stops it");
    expect(again.output).toContain("`berth logs`");
    expect((await runBerth(["stop"], { cwd: dir })).code).toBe(0);
  });
});
