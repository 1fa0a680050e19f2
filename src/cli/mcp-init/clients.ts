import { existsSync } from "node:fs";
import { join } from "node:path";
import type { BerthLaunch } from "./launch.js";

/** The MCP clients `berth mcp init` writes a project config for. */
export const MCP_CLIENTS = ["claude", "cursor", "vscode"] as const;
export type McpClient = (typeof MCP_CLIENTS)[number];

/** Where and how one client keeps a project's MCP servers. */
export interface ClientFormat {
  client: McpClient;
  /** The client's name as its users know it. */
  label: string;
  /** The file, relative to the project's folder. */
  file: string;
  /** The top-level key holding the servers by name. */
  serversKey: string;
  /**
   * Whether the client reads the file as JSON with comments (VS Code reads all its files
   * so); the others parse strict JSON, so a comment there would break the client itself.
   */
  comments: boolean;
  /** The server entry that starts `berth mcp`. */
  entry(launch: BerthLaunch): Record<string, unknown>;
}

/**
 * Each client's project-scoped file. Claude Code: `.mcp.json` with `mcpServers` (what
 * `claude mcp add --scope project` writes, `type` included). Cursor: `.cursor/mcp.json` with
 * `mcpServers`, transport told by `command`. VS Code: `.vscode/mcp.json` with `servers` and
 * an explicit `type`; `cwd` is its default made visible, because the server's scope (the
 * app hosts it picks from) is its working directory.
 */
export const CLIENT_FORMATS: Record<McpClient, ClientFormat> = {
  claude: {
    client: "claude",
    label: "Claude Code",
    file: ".mcp.json",
    serversKey: "mcpServers",
    comments: false,
    entry: ({ command, args }) => ({ type: "stdio", command, args }),
  },
  cursor: {
    client: "cursor",
    label: "Cursor",
    file: join(".cursor", "mcp.json"),
    serversKey: "mcpServers",
    comments: false,
    entry: ({ command, args }) => ({ command, args }),
  },
  vscode: {
    client: "vscode",
    label: "VS Code",
    file: join(".vscode", "mcp.json"),
    serversKey: "servers",
    comments: true,
    entry: ({ command, args }) => ({
      type: "stdio",
      command,
      args,
      cwd: "${workspaceFolder}",
    }),
  },
};

/**
 * The client to write for when none is named: the first whose file the project already
 * has (in the order of {@link MCP_CLIENTS}), else Claude Code, whose `.mcp.json` at the
 * project's root is the one most agents look for.
 *
 * @example defaultClient("/work/shop") // "cursor" when only .cursor/mcp.json exists
 */
export function defaultClient(projectDir: string): McpClient {
  return (
    MCP_CLIENTS.find((client) => existsSync(join(projectDir, CLIENT_FORMATS[client].file))) ??
    "claude"
  );
}
