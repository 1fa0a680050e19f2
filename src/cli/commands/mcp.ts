import { createRequire } from "node:module";
import { join } from "node:path";
import { BerthError, isBerthError, type ErrorCode } from "../../errors.js";
import { packageRoot } from "../../version.js";

type McpBundle = typeof import("../../mcp/index.js");

/**
 * `berth mcp`: serves MCP over stdio until the client leaves. The server and the MCP SDK
 * are a bundle of their own (dist/cli/mcp.cjs, see scripts/bundle.mjs), required here by
 * path, so no other command loads them.
 */
export async function mcpCommand(options: { cwd: string }): Promise<number> {
  const require = createRequire(import.meta.url);
  const mcp = require(join(packageRoot, "dist", "cli", "mcp.cjs")) as McpBundle;
  try {
    await mcp.serveMcp({ cwd: options.cwd, launcher: join(packageRoot, "bin", "berth.cjs") });
  } catch (error) {
    throw asOwnError(error);
  }
  // A config loaded for describe_app may have left timers running: the client is gone, so end.
  if (mcp.configLeftWork()) setImmediate(() => process.exit());
  return 0;
}

/**
 * The other bundle has its own copy of `BerthError`: one of its user errors is made one of
 * ours, so it prints as one (message, no stack) with its exit code.
 */
function asOwnError(error: unknown): unknown {
  if (isBerthError(error) || !(error instanceof Error) || error.name !== "BerthError") return error;
  const { code, details } = error as Error & { code: ErrorCode; details?: string[] };
  return new BerthError(code, error.message, { details, cause: error.cause });
}
