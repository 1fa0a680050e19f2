import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { HostView } from "../hosts.js";

/** What every tool is registered with. */
export interface ToolContext {
  server: McpServer;
  view: HostView;
  /** berth's own launcher (`bin/berth.cjs`), run with `process.execPath` to start or stop a project. */
  launcher: string;
  now(): number;
}

/** The arguments by which any host tool can name a host other than the selected one. */
export const hostArgs = {
  apphost: z
    .string()
    .optional()
    .describe(
      "The project's config file or its folder (default: the host chosen with select_app_host, else the one under the server's folder).",
    ),
  pid: z
    .number()
    .int()
    .positive()
    .optional()
    .describe("The app host's process ID, from list_app_hosts."),
};

/** `apphost` and `pid` of a tool's arguments. */
export function targetOf(args: { apphost?: string; pid?: number }) {
  return { apphost: args.apphost, pid: args.pid };
}
