import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
const t = new StdioClientTransport({ command: process.execPath, args: ["/work/wt-mcp/bin/berth.cjs", "mcp"], cwd: process.argv[2] ?? "/tmp", env: { ...process.env, XDG_RUNTIME_DIR: "/tmp/mcp-smoke-run", HOME: "/tmp/mcp-smoke-home" }, stderr: "inherit" });
const c = new Client({ name: "smoke", version: "1" });
const t0 = Date.now();
await c.connect(t);
const tools = await c.listTools();
console.log(Date.now() - t0, "ms", tools.tools.map((x) => x.name).join(","));
for (const [name, args] of JSON.parse(process.argv[3] ?? "[]")) {
  const r = await c.callTool({ name, arguments: args });
  console.log(name, r.isError ? "ERROR" : "", r.content[0].text);
}
await c.close();
