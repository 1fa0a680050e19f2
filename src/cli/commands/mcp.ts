import { createRequire } from "node:module";
import { join } from "node:path";
import { packageRoot } from "../../version.js";

type McpBundle = typeof import("../../mcp/index.js");

/**
 * `berth mcp` when it comes through the CLI (bin/berth.cjs runs a bare `berth mcp` straight
 * from its bundle): serves MCP over stdio until the client leaves. The server and the MCP
 * SDK are a bundle of their own (dist/cli/mcp.cjs, see scripts/bundle.mjs), required here
 * by path, so no other command loads them.
 */
export function mcpCommand(options: { cwd: string }): Promise<number> {
  const require = createRequire(import.meta.url);
  const mcp = require(join(packageRoot, "dist", "cli", "mcp.cjs")) as McpBundle;
  return mcp.runMcp(options.cwd);
}
