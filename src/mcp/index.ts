/**
 * `berth mcp`: an MCP server over stdio for coding agents (docs/mcp.md). Built as its own
 * bundle (dist/cli/mcp.cjs), which bin/berth.cjs runs for a bare `berth mcp` and the CLI
 * loads for this command only.
 */
export { main, runMcp } from "./main.js";
export { serveMcp, type McpServeOptions } from "./serve.js";
