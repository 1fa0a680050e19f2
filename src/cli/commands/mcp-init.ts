import {
  chmod,
  lstat,
  mkdir,
  readFile,
  readlink,
  realpath,
  stat,
  writeFile,
} from "node:fs/promises";
import { dirname, isAbsolute, join, relative } from "node:path";
import { findConfig } from "../../config/find.js";
import { BerthError, ExitCode } from "../../errors.js";
import { writeFileAtomic } from "../../platform/atomic-write.js";
import { packageRoot } from "../../version.js";
import { CLIENT_FORMATS, defaultClient, type McpClient } from "../mcp-init/clients.js";
import { berthLaunch, type BerthLaunch } from "../mcp-init/launch.js";
import { mergeServerEntry, type EntryChange } from "../mcp-init/merge-entry.js";

/** The server's name in the clients' files. */
const SERVER_NAME = "berth";

const NEXT_STEP: Record<McpClient, string> = {
  claude: "Claude Code asks you to approve it the next time it starts in this folder.",
  cursor: "Cursor lists it under its MCP settings, where you switch it on.",
  vscode: "VS Code starts it from .vscode/mcp.json (or MCP: List Servers).",
};

/**
 * `berth mcp init`: adds the berth MCP server to the client's project config (the folder of
 * the project's berth config), or with `print` prints the file as it would be written.
 * Nothing else in the file changes; a file that is not JSON is refused and left as it was.
 */
export async function mcpInitCommand(options: {
  cwd: string;
  configPath?: string;
  client?: McpClient;
  print: boolean;
}): Promise<number> {
  const projectDir = dirname(findConfig(options.cwd, options.configPath));
  const format = CLIENT_FORMATS[options.client ?? defaultClient(projectDir)];
  const file = join(projectDir, format.file);
  const launch = berthLaunch(projectDir, packageRoot);
  const { target, existing } = await readTarget(file);
  const { text, change } = mergeServerEntry(existing?.text, {
    file,
    serversKey: format.serversKey,
    comments: format.comments,
    name: SERVER_NAME,
    entry: format.entry(launch),
  });
  const shown = shownPath(options.cwd, file);
  if (options.print) {
    process.stdout.write(text);
    process.stderr.write(`(${shown} for ${format.label}; not written: --print)\n`);
    return ExitCode.ok;
  }
  if (change !== "unchanged") {
    if (existing) {
      await writeFileAtomic(target, text);
      // The atomic writer's temp file is private; the file keeps the mode it had.
      await chmod(target, existing.mode);
    } else {
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, text, { flag: "wx" });
    }
  }
  const lines = [`${said[change](shown, format.label)}: ${commandLine(launch)}`];
  if (launch.via === "path") {
    lines.push(
      "berth-dev is not a dependency of this project, so the file names this machine's node " +
        "and berth; with berth-dev installed in the project, run this again for `npx berth`.",
    );
  }
  if (change !== "unchanged") lines.push(NEXT_STEP[format.client]);
  process.stdout.write(`${lines.join("\n")}\n`);
  return ExitCode.ok;
}

const said: Record<EntryChange, (file: string, client: string) => string> = {
  created: (file, client) => `Created ${file} for ${client} with the berth MCP server`,
  added: (file, client) => `Added the berth MCP server to ${file} (${client})`,
  updated: (file, client) => `Updated the berth MCP server in ${file} (${client})`,
  unchanged: (file, client) => `${file} (${client}) already has the berth MCP server`,
};

/** The file to read and write (a symlink's target), and what it holds when it exists. */
async function readTarget(
  file: string,
): Promise<{ target: string; existing?: { text: string; mode: number } }> {
  const target = await realpath(file).catch(() => file);
  const stats = await stat(target).catch(() => undefined);
  if (!stats) {
    if (await lstat(file).catch(() => undefined)) {
      throw new BerthError(
        "CLIENT_CONFIG_INVALID",
        `${file} is a symbolic link to ${await readlink(file)}, which does not exist. ` +
          "Create that file (it may hold `{}`) or remove the link, and run `berth mcp init` again.",
      );
    }
    return { target };
  }
  if (!stats.isFile()) {
    throw new BerthError(
      "CLIENT_CONFIG_INVALID",
      `${file} is not a file. berth left it as it was: move it away and run \`berth mcp init\` again.`,
    );
  }
  return { target, existing: { text: await readFile(target, "utf8"), mode: stats.mode & 0o7777 } };
}

function shownPath(cwd: string, file: string): string {
  const rel = relative(cwd, file);
  return rel.startsWith("..") || isAbsolute(rel) ? file : rel;
}

function commandLine(launch: BerthLaunch): string {
  return [launch.command, ...launch.args].map(quoteIfNeeded).join(" ");
}

function quoteIfNeeded(word: string): string {
  return /^[\w./@:=-]+$/.test(word) ? word : JSON.stringify(word);
}
