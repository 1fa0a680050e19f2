import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { freePort } from "../helpers/app.js";
import { runBerth, startBerth } from "../helpers/cli.js";
import { spawnTracked } from "../helpers/processes.js";
import { berthBin, fixturesDir, tempProject } from "../helpers/project.js";

/**
 * The official MCP Inspector in CLI mode (`mcp-inspector --cli`, the devDependency pinned in
 * package.json: the newest release whose engines admit Node 20) against a built `berth mcp`.
 * It passes its own environment to the server, so the test's private paths reach berth.
 */
const inspector = (() => {
  const manifest = createRequire(import.meta.url).resolve(
    "@modelcontextprotocol/inspector/package.json",
  );
  return join(dirname(manifest), "cli", "build", "cli.js");
})();

function runInspector(args: string[], cwd: string): Promise<{ code: number | null; out: string }> {
  const child = spawnTracked(process.execPath, [inspector, "--cli", ...args], {
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString()));
  return new Promise((resolve) =>
    child.once("close", (code) => resolve({ code, out: code === 0 ? out : `${out}${err}` })),
  );
}

const node = JSON.stringify(process.execPath);
const server = JSON.stringify(join(fixturesDir, "server.mjs"));

describe("the MCP Inspector (CLI mode) against berth mcp", () => {
  it("lists berth's tools and calls one against a real host", async () => {
    const port = await freePort();
    const dir = tempProject({
      "berth.config.mjs": `export default { services: {
        api: { command: [${node}, ${server}], port: ${port}, ready: { http: "/" } },
      } };\n`,
    });
    const host = startBerth(["run"], { cwd: dir });
    await host.waitForOutput(/1 service up: api/);

    // As a user would: the server given on the Inspector's command line.
    const listed = await runInspector(
      [process.execPath, berthBin, "mcp", "--method", "tools/list"],
      dir,
    );
    expect(listed.code, listed.out).toBe(0);
    const { tools } = JSON.parse(listed.out) as {
      tools: { name: string; description: string; inputSchema: { type: string } }[];
    };
    expect(tools.map((tool) => tool.name)).toEqual(
      expect.arrayContaining([
        "list_app_hosts",
        "select_app_host",
        "list_services",
        "get_logs",
        "search_logs",
        "start_service",
        "stop_service",
        "restart_service",
        "wait_for_ready",
        "start_project",
        "stop_project",
        "describe_app",
      ]),
    );
    for (const tool of tools) {
      expect(tool.description.length, tool.name).toBeGreaterThan(20);
      expect(tool.inputSchema.type, tool.name).toBe("object");
    }

    // As `berth mcp init` set it up: the Inspector reads Claude Code's .mcp.json.
    expect((await runBerth(["mcp", "init", "--client", "claude"], { cwd: dir })).code).toBe(0);
    const called = await runInspector(
      [
        ...["--config", join(dir, ".mcp.json"), "--server", "berth"],
        ...["--method", "tools/call", "--tool-name", "list_services"],
      ],
      dir,
    );
    expect(called.code, called.out).toBe(0);
    const result = JSON.parse(called.out) as {
      isError?: boolean;
      structuredContent: { services: { name: string; state: string; port: number }[] };
    };
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent.services).toEqual([
      expect.objectContaining({ name: "api", state: "ready", port }),
    ]);

    host.child.kill("SIGINT");
    await host.exited;
  });
});
