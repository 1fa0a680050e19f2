import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startBerth } from "../helpers/cli.js";
import { quietConfig, startMcp } from "../helpers/mcp.js";
import { isAlive, waitFor } from "../helpers/processes.js";
import { tempProject } from "../helpers/project.js";

const config = quietConfig;

/** Runs `berth run` in `dir` until its services are up. */
async function runHost(dir: string) {
  const host = startBerth(["run"], { cwd: dir });
  await host.waitForOutput(/all 2 services up/);
  return host;
}

describe("berth mcp selection and failures", () => {
  it("says how to start a project when none runs, naming start_project", async () => {
    const dir = tempProject({ "berth.config.mjs": config("api") });
    const mcp = await startMcp(dir);
    const result = await mcp.call("list_services");
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toMatchObject({ error: { code: "NOT_RUNNING" } });
    expect(result.text).toContain(
      "No app host is running on this machine. Start this project with start_project",
    );
  });

  it("lists the candidates when several run here, and acts on the one selected", async () => {
    const parent = tempProject();
    for (const name of ["one", "two"]) {
      mkdirSync(join(parent, name));
      writeFileSync(join(parent, name, "berth.config.mjs"), config(name));
    }
    const one = await runHost(join(parent, "one"));
    const two = await runHost(join(parent, "two"));
    const mcp = await startMcp(parent);
    await waitFor(async () => {
      const hosts = (await mcp.call("list_app_hosts")).structuredContent.hosts as {
        status: string;
      }[];
      return hosts.length === 2 && hosts.every((h) => h.status === "live");
    }, "both hosts live");

    const ambiguous = await mcp.call("list_services");
    expect(ambiguous.isError).toBe(true);
    expect(ambiguous.structuredContent).toMatchObject({ error: { code: "AMBIGUOUS_HOST" } });
    expect(ambiguous.text).toContain("Pick one with select_app_host");
    expect(ambiguous.text).toContain(
      `${join(parent, "one", "berth.config.mjs")} (pid ${one.child.pid})`,
    );
    expect(ambiguous.text).toContain(
      `${join(parent, "two", "berth.config.mjs")} (pid ${two.child.pid})`,
    );

    const selected = await mcp.call("select_app_host", { pid: two.child.pid });
    expect(selected.isError).toBeFalsy();
    const services = await mcp.call("list_services");
    expect(services.structuredContent).toMatchObject({
      pid: two.child.pid,
      services: [{ name: "two" }, { name: "tick" }],
    });
    const named = await mcp.call("get_logs", { apphost: "one", service: "one" });
    expect(named.text).toContain("one | one up");

    const cleared = await mcp.call("select_app_host");
    expect(cleared.text).toContain("Selection cleared");
    expect((await mcp.call("list_services")).structuredContent).toMatchObject({
      error: { code: "AMBIGUOUS_HOST" },
    });

    // From a folder with no project: the ones running elsewhere are listed.
    const elsewhere = await startMcp(tempProject());
    const none = await elsewhere.call("list_services");
    expect(none.structuredContent).toMatchObject({ error: { code: "NOT_RUNNING" } });
    expect(none.text).toContain("pick one of those running with select_app_host");
    expect(none.text).toContain(`${join(parent, "one", "berth.config.mjs")} (pid ${one.child.pid}`);
  });

  it("answers with an error, not a hang, when the host is hung, and stops it", async () => {
    const dir = tempProject({ "berth.config.mjs": config("api") });
    const host = await runHost(dir);
    const mcp = await startMcp(dir);
    await waitFor(
      async () => (await mcp.call("list_services")).structuredContent.services !== undefined,
      "the host live",
    );
    process.kill(host.child.pid!, "SIGSTOP");
    try {
      const logs = await mcp.call("get_logs");
      expect(logs.isError).toBe(true);
      expect(logs.structuredContent).toMatchObject({ error: { code: "HOST_UNRESPONSIVE" } });
      expect(logs.text).toContain("does not answer");
      expect(logs.text).toContain("stop_project");

      const restart = await mcp.call("restart_service", { service: "api" });
      expect(restart.structuredContent).toMatchObject({ error: { code: "HOST_UNRESPONSIVE" } });

      // What the server already knows needs no answer from the host.
      const listed = await mcp.call("list_app_hosts");
      expect(listed.structuredContent.hosts).toEqual([
        expect.objectContaining({ pid: host.child.pid }),
      ]);

      const stopped = await mcp.call("stop_project");
      expect(stopped.isError).toBeFalsy();
      expect(isAlive(host.child.pid!)).toBe(false);
    } finally {
      if (isAlive(host.child.pid!)) process.kill(host.child.pid!, "SIGCONT");
    }
  }, 60_000);
});
