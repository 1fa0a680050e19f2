import { execFile } from "node:child_process";
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { describe, expect, it } from "vitest";
import { runBerth } from "./helpers/cli.js";
import { track } from "./helpers/processes.js";
import { repoRoot, tempProject } from "./helpers/project.js";

const config = { "berth.config.mjs": "export default { services: {} };\n" };
const read = (dir: string, file: string) => readFileSync(join(dir, file), "utf8");
const json = (dir: string, file: string) => JSON.parse(read(dir, file));

/** This berth by absolute paths: what a project that does not depend on berth-dev gets. */
const byPath = {
  command: realpathSync(process.execPath),
  args: [join(realpathSync(repoRoot), "bin", "berth.cjs"), "mcp"],
};

describe("berth mcp init", () => {
  it("writes Claude Code's .mcp.json in the project's folder, naming a berth that runs", async () => {
    const dir = tempProject({ ...config, "src/index.js": "" });
    const result = await runBerth(["mcp", "init"], { cwd: join(dir, "src") });
    expect(result.code).toBe(0);
    expect(result.output).toContain(
      `Created ${join(dir, ".mcp.json")} for Claude Code with the berth MCP server: ${byPath.command} ${byPath.args.join(" ")}`,
    );
    expect(result.output).toContain("berth-dev is not a dependency of this project");
    expect(json(dir, ".mcp.json")).toEqual({ mcpServers: { berth: { type: "stdio", ...byPath } } });
    expect(statSync(join(dir, ".mcp.json")).mode & 0o777).toBe(0o644 & ~process.umask());

    // The command as written starts this berth.
    const { stdout } = await promisify(execFile)(byPath.command, [byPath.args[0]!, "--version"]);
    const { version } = JSON.parse(read(repoRoot, "package.json")) as { version: string };
    expect(stdout.trim()).toBe(version);
  });

  it("writes `npx --no berth mcp` when the project depends on berth-dev", async () => {
    const dir = tempProject({
      ...config,
      "package.json": JSON.stringify({ devDependencies: { "berth-dev": "^0.1.0" } }),
    });
    const result = await runBerth(["mcp", "init", "--client", "cursor"], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.output).toContain(
      "Created .cursor/mcp.json for Cursor with the berth MCP server: npx --no berth mcp\n",
    );
    expect(result.output).not.toContain("not a dependency");
    expect(json(dir, ".cursor/mcp.json")).toEqual({
      mcpServers: { berth: { command: "npx", args: ["--no", "berth", "mcp"] } },
    });
  });

  it("writes an npx entry that starts this berth's MCP server where berth-dev is installed", async () => {
    const dir = tempProject({
      ...config,
      "package.json": JSON.stringify({ devDependencies: { "berth-dev": "^0.1.0" } }),
    });
    // Installed as npm links a local package: the package folder, and its bin.
    mkdirSync(join(dir, "node_modules", ".bin"), { recursive: true });
    symlinkSync(repoRoot, join(dir, "node_modules", "berth-dev"));
    symlinkSync("../berth-dev/bin/berth.cjs", join(dir, "node_modules", ".bin", "berth"));
    expect((await runBerth(["mcp", "init"], { cwd: dir })).code).toBe(0);
    const { command, args } = json(dir, ".mcp.json").mcpServers.berth as typeof byPath;

    const transport = new StdioClientTransport({
      command,
      args,
      cwd: dir,
      env: { ...(process.env as Record<string, string>), npm_config_update_notifier: "false" },
      stderr: "pipe",
    });
    const client = new Client({ name: "berth-test", version: "1.0.0" });
    try {
      await client.connect(transport);
      track(transport.pid ?? undefined);
      expect(client.getServerVersion()?.name).toBe("berth");
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toContain("list_app_hosts");
    } finally {
      await client.close();
    }
  });

  it("adds berth to the client file the project has, leaving the other servers as they were", async () => {
    const before = `{
  "mcpServers": {
    "db": {"command": "pg-mcp", "args": ["--read-only"]},
    "search": { "command": "search-mcp" }
  }
}
`;
    const dir = tempProject({ ...config, ".cursor/mcp.json": before });
    chmodSync(join(dir, ".cursor/mcp.json"), 0o600);
    const result = await runBerth(["mcp", "init"], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.output).toContain("Added the berth MCP server to .cursor/mcp.json (Cursor)");
    expect(existsSync(join(dir, ".mcp.json"))).toBe(false);
    const after = read(dir, ".cursor/mcp.json");
    expect(after.startsWith(before.slice(0, before.indexOf('"search"')))).toBe(true);
    expect(Object.keys(JSON.parse(after).mcpServers)).toEqual(["db", "search", "berth"]);
    expect(statSync(join(dir, ".cursor/mcp.json")).mode & 0o777).toBe(0o600);

    const again = await runBerth(["mcp", "init"], { cwd: dir });
    expect(again.code).toBe(0);
    expect(again.output).toContain(".cursor/mcp.json (Cursor) already has the berth MCP server");
    expect(read(dir, ".cursor/mcp.json")).toBe(after);
  });

  it("keeps the comments of VS Code's file and writes its own shape there", async () => {
    const before =
      '{\n  // shared with the team\n  "servers": {\n    "db": { "type": "stdio", "command": "pg" },\n  },\n}\n';
    const dir = tempProject({ ...config, ".vscode/mcp.json": before });
    const result = await runBerth(["mcp", "init", "--client", "vscode"], { cwd: dir });
    expect(result.code).toBe(0);
    const after = read(dir, ".vscode/mcp.json");
    expect(after).toContain(
      '  // shared with the team\n  "servers": {\n    "db": { "type": "stdio", "command": "pg" },\n    "berth": {\n',
    );
    expect(after).toContain('"cwd": "${workspaceFolder}"');
  });

  it("updates the file a symlink points to, and keeps the link; refuses a broken link", async () => {
    const dir = tempProject({ ...config, "shared/mcp.json": '{ "mcpServers": {} }\n' });
    symlinkSync(join(dir, "shared/mcp.json"), join(dir, ".mcp.json"));
    expect((await runBerth(["mcp", "init"], { cwd: dir })).code).toBe(0);
    expect(lstatSync(join(dir, ".mcp.json")).isSymbolicLink()).toBe(true);
    expect(json(dir, "shared/mcp.json").mcpServers.berth.args).toEqual(byPath.args);

    const dangling = tempProject(config);
    symlinkSync(join(dangling, "gone.json"), join(dangling, ".mcp.json"));
    const refused = await runBerth(["mcp", "init"], { cwd: dangling });
    expect(refused.code).toBe(3);
    expect(refused.output).toContain(
      `${join(dangling, ".mcp.json")} is a symbolic link to ${join(dangling, "gone.json")}, which does not exist.`,
    );
  });

  it("prints the file with --print and writes nothing", async () => {
    const dir = tempProject({
      ...config,
      ".mcp.json": '{"mcpServers": {"db": {"command": "pg"}}}\n',
    });
    const result = await runBerth(["mcp", "init", "--print"], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.output).toBe(
      `{"mcpServers": {"db": {"command": "pg"}, "berth": ${JSON.stringify({ type: "stdio", ...byPath })}}}\n` +
        "(.mcp.json for Claude Code; not written: --print)\n",
    );
    expect(read(dir, ".mcp.json")).toBe('{"mcpServers": {"db": {"command": "pg"}}}\n');
  });

  it("refuses a file that is not valid JSON and leaves it as it was", async () => {
    const broken = '{\n  "mcpServers": {\n    "db": { "command": "pg" },\n  }\n}\n';
    const dir = tempProject({ ...config, ".mcp.json": broken });
    const result = await runBerth(["mcp", "init"], { cwd: dir });
    expect(result.code).toBe(3);
    expect(result.output).toContain(
      `error ${join(dir, ".mcp.json")} is not valid JSON: property name expected at line 4, column 3. berth left it as it was.`,
    );
    expect(result.output).toContain('add this under "mcpServers" yourself:\n  "berth": {\n');
    expect(result.output).not.toMatch(/\n\s+at /);
    expect(read(dir, ".mcp.json")).toBe(broken);
  });

  it("says what is wrong with its arguments or the folder", async () => {
    const dir = tempProject(config);
    const client = await runBerth(["mcp", "init", "--client", "zed"], { cwd: dir });
    expect(client.code).toBe(2);
    expect(client.output).toContain(
      "argument 'zed' is invalid. Allowed choices are claude, cursor, vscode.",
    );

    const empty = tempProject({});
    const none = await runBerth(["mcp", "init"], { cwd: empty });
    expect(none.code).toBe(3);
    expect(none.output).toContain(`No berth config found in ${empty} or any folder above it`);
    expect(existsSync(join(empty, ".mcp.json"))).toBe(false);

    mkdirSync(join(dir, ".mcp.json"));
    const folder = await runBerth(["mcp", "init"], { cwd: dir });
    expect(folder.code).toBe(3);
    expect(folder.output).toContain(`${join(dir, ".mcp.json")} is not a file.`);
  });

  it("writes next to the config named by --config", async () => {
    const dir = tempProject({ "app/berth.config.mjs": config["berth.config.mjs"] });
    writeFileSync(join(dir, "README"), "");
    const result = await runBerth(["mcp", "init", "--config", "app"], { cwd: dir });
    expect(result.code).toBe(0);
    expect(existsSync(join(dir, "app", ".mcp.json"))).toBe(true);
    expect(existsSync(join(dir, ".mcp.json"))).toBe(false);
  });
});
