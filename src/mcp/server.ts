import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { HostView } from "./hosts.js";
import { registerHostResources } from "./resources.js";
import { registerHostTools } from "./tools/hosts.js";
import { registerLogTools } from "./tools/logs.js";
import { registerProjectTools } from "./tools/project.js";
import { registerServiceTools } from "./tools/services.js";
import type { ToolContext } from "./tools/shared.js";

const INSTRUCTIONS =
  "berth runs the services of a TypeScript/Node project (berth.config.ts) on this machine. " +
  "Tools act on the app host (running project) under the folder this server runs in, or the one chosen with " +
  "select_app_host. Nothing running: start_project brings it up. list_services shows states and URLs; get_logs and " +
  "search_logs read output (also of a project that is not running); start_service, stop_service and restart_service " +
  "wait until the service has settled; describe_app explains how the project is wired.";

export interface BerthServerOptions {
  view: HostView;
  version: string;
  launcher: string;
}

/** The MCP server with every tool and the host resources; `close` detaches it from the monitor. */
export function createBerthServer(options: BerthServerOptions): {
  server: McpServer;
  close(): void;
} {
  const server = new McpServer(
    { name: "berth", version: options.version },
    { instructions: INSTRUCTIONS, capabilities: { tools: {} } },
  );
  const context: ToolContext = {
    server,
    view: options.view,
    launcher: options.launcher,
    now: () => Date.now(),
  };
  registerHostTools(context);
  registerServiceTools(context);
  registerLogTools(context);
  registerProjectTools(context);
  const detach = registerHostResources(server, options.view);
  return { server, close: detach };
}
