#!/usr/bin/env node
"use strict";
// Node 22.1 and later keep V8's compiled code between runs when asked; Node 20 lacks it.
require("node:module").enableCompileCache?.();
// A bare `berth mcp` (how agents' clients start it) runs its own bundle alone: an MCP
// client waits on the first answer, and the CLI's bundle would only be compiled for nothing.
const args = process.argv.slice(2);
if (args.length === 1 && args[0] === "mcp") require("../dist/cli/mcp.cjs").main();
else require("../dist/cli/berth.cjs");
