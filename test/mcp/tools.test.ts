import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { freePort, portIsFree } from "../helpers/app.js";
import { startBerth } from "../helpers/cli.js";
import { startMcp } from "../helpers/mcp.js";
import { isAlive, waitFor } from "../helpers/processes.js";
import { fixturesDir, tempProject } from "../helpers/project.js";

const fixture = (name: string) => JSON.stringify(join(fixturesDir, name));
const node = JSON.stringify(process.execPath);

/** An API, and a worker that depends on it and prints the instance secret it was given. */
function project(port: number): string {
  return tempProject({
    "berth.config.mjs": `export default { services: {
      api: { command: [${node}, ${fixture("server.mjs")}], port: ${port}, ready: { http: "/" } },
      worker: {
        command: [${node}, "-e", "console.log('worker key ' + process.env.ADMIN_KEY); console.log('Job DONE'); setInterval(() => {}, 1000)"],
        port: false,
        dependsOn: ["api"],
        env: { ADMIN_KEY: "{{instance.secret}}", MODE: "mode-value-7f3a" },
        ready: { log: "Job DONE" },
      },
    } };\n`,
  });
}

function secretOf(dir: string): string {
  const state = JSON.parse(readFileSync(join(dir, ".berth", "state.json"), "utf8")) as {
    instance: { secret: string };
  };
  return state.instance.secret;
}

describe("berth mcp against real app hosts", () => {
  it("finds a host started after the server, and drops it when it stops", async () => {
    const port = await freePort();
    const dir = project(port);
    const mcp = await startMcp(dir);

    const none = await mcp.call("list_app_hosts");
    expect(none.isError).toBeFalsy();
    expect(none.structuredContent).toMatchObject({ hosts: [] });
    expect(none.text).toContain("start_project");

    const host = startBerth(["run"], { cwd: dir });
    await host.waitForOutput(/all 2 services up/);
    await waitFor(async () => {
      const listed = await mcp.call("list_app_hosts");
      const hosts = listed.structuredContent.hosts as { status: string; servicesReady: number }[];
      return hosts[0]?.status === "live" && hosts[0].servicesReady === 2;
    }, "the new host listed as live with its services ready");
    const listed = await mcp.call("list_app_hosts");
    expect(listed.structuredContent.hosts).toEqual([
      expect.objectContaining({
        appHostPath: join(dir, "berth.config.mjs"),
        pid: host.child.pid,
        inScope: true,
        selected: true,
        servicesTotal: 2,
        // Its dashboard's address, without the one-time login token the terminal shows.
        dashboardUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/$/),
      }),
    ]);

    host.child.kill("SIGINT");
    await host.exited;
    await waitFor(
      async () => ((await mcp.call("list_app_hosts")).structuredContent.hosts as []).length === 0,
      "the stopped host dropped",
    );
  });

  it("drives a project through every tool, and never shows the instance secret", async () => {
    const port = await freePort();
    const dir = project(port);
    const file = join(dir, "berth.config.mjs");
    const mcp = await startMcp(dir);

    const started = await mcp.call("start_project");
    expect(started.isError).toBeFalsy();
    expect(started.structuredContent).toMatchObject({
      appHostPath: file,
      started: true,
      services: [
        { name: "api", state: "ready", url: `http://localhost:${port}` },
        { name: "worker", state: "ready" },
      ],
    });
    const pid = started.structuredContent.pid as number;
    expect(started.text).toContain(`http://localhost:${port}`);
    const secret = secretOf(dir);

    const services = await mcp.call("list_services");
    expect(services.structuredContent.services).toEqual([
      expect.objectContaining({ name: "api", state: "ready", port, dependsOn: [], restarts: 0 }),
      expect.objectContaining({ name: "worker", state: "ready", dependsOn: ["api"] }),
    ]);
    expect(services.text).toMatch(/worker +ready.*depends on api/);

    const logs = await mcp.call("get_logs", { service: "api", lines: 5 });
    expect(logs.structuredContent).toMatchObject({
      running: true,
      lines: [expect.objectContaining({ service: "api", text: `listening on ${port}` })],
    });
    const workerLogs = await mcp.call("get_logs", { service: "worker" });
    // Masked as the control socket masks it: stars and the last four characters.
    expect(workerLogs.text).toContain(`worker key ***${secret.slice(-4)}`);

    const search = await mcp.call("search_logs", { query: "job done", ignoreCase: true });
    expect(search.structuredContent).toMatchObject({
      total: 1,
      matches: [{ service: "worker", text: "Job DONE", time: expect.any(String) }],
    });
    const caseSensitive = await mcp.call("search_logs", { query: "job done" });
    expect(caseSensitive.structuredContent.total).toBe(0);
    const regex = await mcp.call("search_logs", { query: "^listening on \\d+$", regex: true });
    expect(regex.structuredContent.matches).toEqual([
      expect.objectContaining({ service: "api", text: `listening on ${port}` }),
    ]);
    const badRegex = await mcp.call("search_logs", { query: "(", regex: true });
    expect(badRegex.isError).toBe(true);
    expect(badRegex.text).toContain("not a valid regular expression");

    const described = await mcp.call("describe_app");
    expect(described.structuredContent).toMatchObject({
      appHostPath: file,
      running: true,
      services: [
        expect.objectContaining({ name: "api", assignedPort: port, dependsOn: [] }),
        expect.objectContaining({
          name: "worker",
          dependsOn: [{ name: "api", condition: "ready" }],
          envNames: ["ADMIN_KEY", "MODE"],
          ready: expect.stringContaining("Job DONE"),
        }),
      ],
    });
    expect(JSON.stringify(described)).not.toContain("mode-value-7f3a");

    await mcp.client.subscribeResource({ uri: `berth://app-hosts/${pid}` });
    const updated = new Promise<string>((resolve) =>
      mcp.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) =>
        resolve(n.params.uri),
      ),
    );
    const stopped = await mcp.call("stop_service", { service: "worker" });
    expect(stopped.structuredContent).toMatchObject({
      service: { name: "worker", state: "stopped" },
    });
    expect(await updated).toBe(`berth://app-hosts/${pid}`);
    const resource = await mcp.client.readResource({ uri: `berth://app-hosts/${pid}` });
    const body = JSON.parse((resource.contents[0] as { text: string }).text) as {
      services: { name: string; state: string }[];
    };
    expect(body.services).toContainEqual(
      expect.objectContaining({ name: "worker", state: "stopped" }),
    );

    const notReady = await mcp.call("wait_for_ready", { timeoutSeconds: 5 });
    expect(notReady.isError).toBe(true);
    expect(notReady.text).toContain("Stopped, so not ready: worker");

    const startedWorker = await mcp.call("start_service", { service: "worker" });
    expect(startedWorker.structuredContent).toMatchObject({
      service: { name: "worker", state: "ready" },
    });
    const restarted = await mcp.call("restart_service", { service: "api" });
    expect(restarted.text).toBe(`api is ready at http://localhost:${port}.`);
    const ready = await mcp.call("wait_for_ready", { service: "worker", timeoutSeconds: 10 });
    expect(ready.isError).toBeFalsy();
    expect(ready.structuredContent.services).toEqual([
      expect.objectContaining({ name: "worker", ready: true }),
    ]);

    const unknown = await mcp.call("restart_service", { service: "apu" });
    expect(unknown.isError).toBe(true);
    expect(unknown.text).toContain(
      'has no service named "apu"; did you mean "api"? Its services: api, worker.',
    );

    const again = await mcp.call("start_project");
    expect(again.isError).toBeFalsy();
    expect(again.structuredContent).toMatchObject({ pid, alreadyRunning: true, started: false });
    expect(again.text).toContain("was already running");

    const stoppedProject = await mcp.call("stop_project");
    expect(stoppedProject.isError).toBeFalsy();
    expect(stoppedProject.text).toMatch(/stopped .*berth\.config\.mjs \(pid \d+\)/);
    expect(isAlive(pid)).toBe(false);
    expect(await portIsFree(port)).toBe(true);

    // After it stopped: from the log files, still masked.
    const offline = await mcp.call("get_logs", { service: "worker" });
    expect(offline.structuredContent.running).toBe(false);
    expect(offline.text).toContain(`worker key ***${secret.slice(-4)}`);
    expect(offline.text).toContain("not running");

    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect(mcp.everything()).not.toContain(secret);
    expect(mcp.stderr()).not.toContain(secret);
    // The dashboard's one-time login link never reaches the agent.
    expect(mcp.everything()).not.toMatch(/token=[\w-]{8}/);
  });

  it("returns the failing service's last lines when a start fails", async () => {
    const dir = tempProject({
      "berth.config.mjs": `export default { services: {
        broken: { command: [${node}, ${fixture("exit.mjs")}], ready: { http: "/" } },
        fine: { command: [${node}, ${fixture("forever.mjs")}], port: false },
      } };\n`,
    });
    const mcp = await startMcp(dir);
    const started = await mcp.call("start_project");
    expect(started.isError).toBe(true);
    expect(started.text).toContain("broken failed: exited before it was ready");
    expect(started.text).toContain("fatal: cannot open database");

    const again = await mcp.call("start_service", { service: "broken" });
    expect(again.isError).toBe(true);
    expect(again.structuredContent).toMatchObject({
      failed: ["broken"],
      lastLines: {
        broken: expect.arrayContaining([expect.stringContaining("fatal: cannot open database")]),
      },
    });
    expect((await mcp.call("stop_project")).isError).toBeFalsy();
  });
});
