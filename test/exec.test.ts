import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { freePort, portIsFree } from "./helpers/app.js";
import { runBerth, startBerth } from "./helpers/cli.js";
import { isAlive, track, waitFor } from "./helpers/processes.js";
import { fixturesDir, tempProject } from "./helpers/project.js";

const fixture = (name: string) => JSON.stringify(join(fixturesDir, name));
const node = JSON.stringify(process.execPath);

function project(services: string): string {
  return tempProject({ "berth.config.mjs": `export default { services: { ${services} } };\n` });
}

async function hostCount(cwd: string): Promise<number> {
  const result = await runBerth(["ps", "--json"], { cwd });
  return (JSON.parse(result.output) as unknown[]).length;
}

const apiOn = (port: number, extra = "") =>
  `api: { command: [${node}, ${fixture("server.mjs")}], port: ${port}, strictPort: true,
          env: { BODY: "hello from api", STARTS_FILE: "starts.txt" ${extra} }, ready: { http: "/" } },`;

/** A command that fetches the API through the URL berth gives it. */
const fetchApi = [
  process.execPath,
  "-e",
  "fetch(process.env.BERTH_API_URL).then(r => r.text()).then(t => console.log('got:', t))",
];

describe("berth exec", () => {
  it("starts an ephemeral host for the command, and leaves nothing behind", async () => {
    const port = await freePort();
    const dir = project(apiOn(port));
    const result = await runBerth(["exec", "--", ...fetchApi], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.output).toContain("got: hello from api");
    // Service output went to its log file, not the terminal.
    expect(result.output).not.toContain("listening on");
    expect(readFileSync(join(dir, ".berth", "logs", "api.log"), "utf8")).toContain("listening on");
    expect(await hostCount(dir)).toBe(0);
    expect(await portIsFree(port)).toBe(true);
    const pid = Number(readFileSync(join(dir, "starts.txt"), "utf8").trim());
    expect(isAlive(pid)).toBe(false);
  });

  it("says what it waits on when a service is slow to be ready, without --logs", async () => {
    const slow = JSON.stringify([
      process.execPath,
      "-e",
      "setTimeout(() => console.log('up now'), 2600); setInterval(() => {}, 1000)",
    ]);
    const dir = project(`slow: { command: ${slow}, port: false, ready: { log: "up now" } },`);
    const result = await runBerth(["exec", "--", "true"], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.output).toMatch(/still waiting for slow: a log line/);
  });

  it("keeps the services of its host up for another exec that uses them", async () => {
    const port = await freePort();
    const dir = project(apiOn(port));
    const wait = (file: string) => `while [ ! -f ${file} ]; do sleep 0.02; done`;
    const first = startBerth(["exec", "--", "sh", "-c", `touch started; ${wait("go")}`], {
      cwd: dir,
    });
    await waitFor(() => existsSync(join(dir, "started")), "the first command to run");
    const get = 'node -e "fetch(process.env.BERTH_API_URL).then(r => r.text()).then(console.log)"';
    const second = startBerth(
      ["exec", "--", "sh", "-c", `${get} && touch go && ${wait("check")} && ${get}`],
      { cwd: dir },
    );
    // The first command has ended; its host waits for the second before it stops.
    await first.waitForOutput(/the services stay up for berth exec \(pid \d+\), which uses them/);
    writeFileSync(join(dir, "check"), "");
    expect(await second.exited).toBe(0);
    expect(second.output().match(/hello from api/g)).toHaveLength(2);
    expect(await first.exited).toBe(0);
    expect(await portIsFree(port)).toBe(true);
  });

  it("passes the command's exit code through", async () => {
    const dir = project(`idle: { command: [${node}, ${fixture("forever.mjs")}], port: false },`);
    const result = await runBerth(["exec", "--", "sh", "-c", "exit 42"], { cwd: dir });
    expect(result.code).toBe(42);
    expect(await hostCount(dir)).toBe(0);
  });

  it("uses the project's running host instead of starting another", async () => {
    const port = await freePort();
    const dir = project(apiOn(port));
    const up = await runBerth(["run", "--detach"], { cwd: dir });
    expect(up.code).toBe(0);
    const result = await runBerth(["exec", "--", ...fetchApi], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.output).toContain("got: hello from api");
    // Still the one process started by the detached host.
    expect(readFileSync(join(dir, "starts.txt"), "utf8").trim().split("\n")).toHaveLength(1);
    expect(await hostCount(dir)).toBe(1);
    await runBerth(["stop"], { cwd: dir });
  });

  it("stops the ephemeral host when Ctrl-C ends the command", async () => {
    const port = await freePort();
    const dir = project(apiOn(port));
    const berth = startBerth(
      [
        "exec",
        "--",
        process.execPath,
        "-e",
        "console.log('command up'); setInterval(() => {}, 1000)",
      ],
      { cwd: dir },
    );
    await berth.waitForOutput(/command up/);
    const servicePid = Number(readFileSync(join(dir, "starts.txt"), "utf8").trim());
    track(servicePid);
    // The terminal sends Ctrl-C to its whole foreground group: berth and the command.
    process.kill(-berth.child.pid!, "SIGINT");
    expect(await berth.exited).toBe(130);
    expect(isAlive(servicePid)).toBe(false);
    expect(await portIsFree(port)).toBe(true);
    await waitFor(async () => (await hostCount(dir)) === 0, "the host to be gone");
  });

  it("stops the services and never runs the command when Ctrl-C comes while they start", async () => {
    const port = await freePort();
    const dir = project(`
      slow: { command: [${node}, ${fixture("server.mjs")}], port: ${port}, strictPort: true,
              env: { DELAY_MS: "30000", STARTS_FILE: "starts.txt" }, ready: { http: "/" } },`);
    const berth = startBerth(["exec", "--", "sh", "-c", "echo should not run"], { cwd: dir });
    await waitFor(() => existsSync(join(dir, "starts.txt")), "the service to start");
    const servicePid = Number(readFileSync(join(dir, "starts.txt"), "utf8").trim());
    track(servicePid);
    process.kill(-berth.child.pid!, "SIGINT");
    expect(await berth.exited).toBe(130);
    expect(berth.output()).not.toContain("should not run");
    expect(isAlive(servicePid)).toBe(false);
    expect(await hostCount(dir)).toBe(0);
  });

  it("exits with its own code and the failing service's last lines when services do not come up", async () => {
    const dir = project(`
      broken: { command: [${node}, ${fixture("exit.mjs")}], ready: { http: "/" } },`);
    const result = await runBerth(["exec", "--", "sh", "-c", "echo should not run"], { cwd: dir });
    expect(result.code).toBe(125);
    expect(result.output).toContain("fatal: cannot open database");
    expect(result.output).toContain("did not come up, so the command did not run");
    expect(result.output).not.toContain("should not run");
    expect(await hostCount(dir)).toBe(0);
  });

  it("starts only the services asked for, and what they depend on", async () => {
    const dir = project(`
      db: { command: [${node}, ${fixture("forever.mjs")}], port: false, ready: { log: "forever" } },
      api: { command: [${node}, ${fixture("forever.mjs")}], port: false, dependsOn: ["db"] },
      web: { command: [${node}, ${fixture("forever.mjs")}], port: false },`);
    const result = await runBerth(["exec", "--only", "api", "--", "true"], { cwd: dir });
    expect(result.code).toBe(0);
    const logs = join(dir, ".berth", "logs");
    expect(existsSync(join(logs, "db.log"))).toBe(true);
    expect(existsSync(join(logs, "api.log"))).toBe(true);
    expect(existsSync(join(logs, "web.log"))).toBe(false);
  });
});
