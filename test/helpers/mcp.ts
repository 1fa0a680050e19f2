import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterEach } from "vitest";
import { join } from "node:path";
import { track } from "./processes.js";
import { berthBin, fixturesDir } from "./project.js";

/** A project's config with one quiet service `name` that says it is up, and a `tick`. */
export function quietConfig(name: string): string {
  const node = JSON.stringify(process.execPath);
  const forever = JSON.stringify(join(fixturesDir, "forever.mjs"));
  return `export default { services: {
    ${name}: { command: [${node}, "-e", "console.log('${name} up'); setInterval(() => {}, 1000)"], port: false,
      ready: { log: "${name} up" } },
    tick: { command: [${node}, ${forever}], port: false },
  } };\n`;
}

/** A connected MCP client of a built `berth mcp`, and every result it received. */
export interface McpSession {
  client: Client;
  /** Calls a tool; the result is kept for `everything()`. */
  call(name: string, args?: Record<string, unknown>): Promise<ToolResult>;
  /** Every result and notification so far, as JSON: what a secret must never appear in. */
  everything(): string;
  stderr(): string;
}

export type ToolResult = CallToolResult & {
  structuredContent: Record<string, unknown>;
  text: string;
};

const open: Client[] = [];

/**
 * Spawns `node bin/berth.cjs mcp` in `cwd` over stdio with the real SDK client, in the
 * test's private environment (setup.ts moved every path). Closed after each test.
 */
export async function startMcp(cwd: string): Promise<McpSession> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [berthBin, "mcp"],
    cwd,
    // The SDK passes only a few variables by default: the test's paths must reach berth.
    env: { ...(process.env as Record<string, string>) },
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: "berth-test", version: "1.0.0" });
  const seen: unknown[] = [];
  client.fallbackNotificationHandler = async (notification) => {
    seen.push(notification);
  };
  await client.connect(transport);
  track(transport.pid ?? undefined);
  open.push(client);
  return {
    client,
    async call(name, args = {}) {
      const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
      seen.push(result);
      const text = result.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
      return { ...result, structuredContent: result.structuredContent ?? {}, text } as ToolResult;
    },
    everything: () => JSON.stringify(seen),
    stderr: () => stderr,
  };
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((client) => client.close().catch(() => {})));
});
