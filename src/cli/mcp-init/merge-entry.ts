import {
  findNodeAtLocation,
  getNodeValue,
  parseTree,
  printParseErrorCode,
  type ParseError,
} from "jsonc-parser";
import { BerthError } from "../../errors.js";
import { setProperty, type Layout } from "./set-property.js";

/** What merging did to the file. */
export type EntryChange = "created" | "added" | "updated" | "unchanged";

export interface MergeOptions {
  /** The file's path, for messages. */
  file: string;
  /** The top-level key holding the servers (`mcpServers`, `servers`). */
  serversKey: string;
  /** Whether comments and trailing commas are allowed (JSONC). */
  comments: boolean;
  /** The server's name under `serversKey`. */
  name: string;
  entry: Record<string, unknown>;
}

/**
 * The client's config file `text` (undefined when there is none) with the server `name`
 * set to `entry`, changed as little as text: every other server, key, comment and blank
 * line stays where and as it was, a new entry goes last, in the file's own indentation and
 * line ends. An entry of that name already there keeps the keys berth does not write (an
 * `env` the user added, say). An empty file counts as none.
 *
 * @example
 * mergeServerEntry('{ "mcpServers": { "db": { "command": "pg-mcp" } } }\n', { file: ".mcp.json",
 *   serversKey: "mcpServers", comments: false, name: "berth", entry: { command: "npx" } })
 * // { change: "added", text: '{ "mcpServers": { "db": { "command": "pg-mcp" },"berth": … } }\n' }
 * @throws BerthError `CLIENT_CONFIG_INVALID` when the file is not valid JSON (JSONC when
 *   `comments`), or is not an object, or its `serversKey` is not an object; the message
 *   says where, and the details hold the entry to add by hand.
 */
export function mergeServerEntry(
  text: string | undefined,
  options: MergeOptions,
): { text: string; change: EntryChange } {
  const { serversKey, name, entry } = options;
  const bom = text?.startsWith("\uFEFF") ? "\uFEFF" : "";
  const body = bom ? text!.slice(1) : (text ?? "");
  if (body.trim() === "") {
    return {
      text: `${JSON.stringify({ [serversKey]: { [name]: entry } }, null, 2)}\n`,
      change: "created",
    };
  }
  const root = parse(body, options);
  const servers = findNodeAtLocation(root, [serversKey]);
  if (servers && servers.type !== "object") {
    throw invalid(options, `its "${serversKey}" is ${article(servers.type)}, not an object`);
  }
  const current = findNodeAtLocation(root, [serversKey, name]);
  let value: Record<string, unknown> = entry;
  if (current?.type === "object") {
    const old = getNodeValue(current) as Record<string, unknown>;
    // Spread over the old entry: its keys keep their order, so an unchanged entry compares equal.
    value = { ...old, ...entry };
    if (JSON.stringify(value) === JSON.stringify(old)) return { text: text!, change: "unchanged" };
  }
  const layout = layoutOf(body);
  const merged = servers
    ? setProperty(body, servers, name, value, layout)
    : setProperty(body, root, serversKey, { [name]: value }, layout);
  return { text: bom + merged, change: current ? "updated" : "added" };
}

/** The file's syntax tree; any syntax error, or a value that is not an object, is refused. */
function parse(body: string, options: MergeOptions) {
  const errors: ParseError[] = [];
  const root = parseTree(body, errors, {
    allowTrailingComma: options.comments,
    disallowComments: !options.comments,
  });
  const [first] = errors;
  if (first) {
    const { line, column } = positionOf(body, first.offset);
    throw invalid(
      options,
      `${describeError(first)} at line ${line}, column ${column}`,
      options.comments ? "JSON with comments" : "JSON",
    );
  }
  if (!options.comments) {
    // The clients read strict JSON with JSON.parse: whatever it refuses, they do too.
    try {
      JSON.parse(body);
    } catch (error) {
      throw invalid(options, (error as Error).message, "JSON");
    }
  }
  if (root?.type !== "object") {
    throw invalid(options, `it holds ${article(root?.type ?? "nothing")}, not an object`);
  }
  return root;
}

function describeError(error: ParseError): string {
  // "InvalidSymbol" → "invalid symbol"
  return printParseErrorCode(error.error)
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toLowerCase();
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function positionOf(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split(/\r\n|\r|\n/);
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

function invalid(options: MergeOptions, problem: string, syntax?: string): BerthError {
  const what = syntax
    ? `is not valid ${syntax}: ${problem}`
    : `cannot hold MCP servers: ${problem}`;
  const snippet = JSON.stringify({ [options.name]: options.entry }, null, 2).split("\n");
  return new BerthError(
    "CLIENT_CONFIG_INVALID",
    `${options.file} ${what}. berth left it as it was. Fix it and run \`berth mcp init\` again, ` +
      `or add this under "${options.serversKey}" yourself:`,
    { details: snippet.slice(1, -1).map((line) => line.slice(2)) },
  );
}

/** The file's own indentation (its first indented line's, else two spaces) and line ends. */
function layoutOf(text: string): Layout {
  const indent = /^([ \t]+)\S/m.exec(text)?.[1] ?? "  ";
  return {
    unit: indent.startsWith("\t") ? "\t" : indent,
    eol: text.includes("\r\n") ? "\r\n" : "\n",
  };
}
