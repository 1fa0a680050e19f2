import { describe, expect, it } from "vitest";
import { startBerth, runBerth } from "../helpers/cli.js";
import { quietConfig, startMcp } from "../helpers/mcp.js";
import { waitFor } from "../helpers/processes.js";
import { tempProject } from "../helpers/project.js";

const node = JSON.stringify(process.execPath);
const config = quietConfig;

describe("berth mcp logs and output", () => {
  it("reads and searches the logs of a project that is not running", async () => {
    const dir = tempProject({ "berth.config.mjs": config("api") });
    expect((await runBerth(["run", "--detach"], { cwd: dir })).code).toBe(0);
    expect((await runBerth(["stop"], { cwd: dir })).code).toBe(0);

    const mcp = await startMcp(dir);
    const logs = await mcp.call("get_logs", { lines: 10 });
    expect(logs.isError).toBeFalsy();
    expect(logs.structuredContent).toMatchObject({ running: false });
    expect(logs.text).toContain("api | api up");
    expect(logs.text).toContain("not running: these lines come from its log files");

    const found = await mcp.call("search_logs", {
      query: "^API UP$",
      regex: true,
      ignoreCase: true,
    });
    expect(found.structuredContent).toMatchObject({
      running: false,
      total: 1,
      matches: [{ service: "api", time: null, text: "api up" }],
    });

    const missing = await mcp.call("get_logs", { service: "nope" });
    expect(missing.isError).toBe(true);
    expect(missing.text).toContain('has no log of "nope". It has logs of: ');

    const described = await mcp.call("describe_app");
    expect(described.structuredContent).toMatchObject({
      running: false,
      services: [
        expect.objectContaining({ name: "api" }),
        expect.objectContaining({ name: "tick" }),
      ],
    });
  });

  it("keeps stdout for the protocol when a config prints while it loads", async () => {
    const dir = tempProject({
      "berth.config.mjs": `console.log("hello from the config");\n${config("api")}`,
    });
    const mcp = await startMcp(dir);
    const described = await mcp.call("describe_app");
    expect(described.isError).toBeFalsy();
    expect(described.structuredContent).toMatchObject({ running: false });
    expect((await mcp.call("list_app_hosts")).isError).toBeFalsy();
    expect(mcp.stderr()).toContain("hello from the config");
  });

  it("bounds what the log tools return, and says what was left out", async () => {
    const dir = tempProject({
      "berth.config.mjs": `export default { services: {
        chatty: { command: [${node}, "-e", "for (let i = 0; i < 300; i++) console.log(i + ' ' + 'x'.repeat(990)); console.log('chatty done'); setInterval(() => {}, 1000)"],
          port: false, ready: { log: "chatty done" } },
      } };\n`,
    });
    const host = startBerth(["run"], { cwd: dir });
    await host.waitForOutput(/1 service up/);
    const mcp = await startMcp(dir);
    await waitFor(
      async () => (await mcp.call("list_services")).structuredContent.services !== undefined,
      "the host live",
    );
    const logs = await mcp.call("get_logs", { lines: 1000 });
    const lines = logs.structuredContent.lines as { text: string }[];
    expect(lines.at(-1)!.text).toBe("chatty done");
    expect(lines.length).toBeLessThan(100);
    expect(logs.text).toMatch(/\[\d+ older lines left out to keep the answer small; use `since`/);

    const found = await mcp.call("search_logs", { query: "x", limit: 5 });
    expect(found.structuredContent).toMatchObject({ total: 300 });
    expect(found.structuredContent.matches).toHaveLength(5);
    expect(found.text).toContain("300 lines matched; showing the latest 5");
  });
});
