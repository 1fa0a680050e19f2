import { parse } from "jsonc-parser";
import { describe, expect, it } from "vitest";
import { isBerthError } from "../../errors.js";
import { mergeServerEntry, type MergeOptions } from "./merge-entry.js";

const entry = { type: "stdio", command: "npx", args: ["--no", "berth", "mcp"] };
const claude: MergeOptions = {
  file: "/p/.mcp.json",
  serversKey: "mcpServers",
  comments: false,
  name: "berth",
  entry,
};
const vscode: MergeOptions = {
  ...claude,
  file: "/p/.vscode/mcp.json",
  serversKey: "servers",
  comments: true,
};

const merge = (text: string | undefined, options = claude) => mergeServerEntry(text, options);

function refusal(text: string, options = claude): string {
  try {
    merge(text, options);
  } catch (error) {
    if (isBerthError(error) && error.code === "CLIENT_CONFIG_INVALID") {
      return [error.message, ...error.details].join("\n");
    }
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("mergeServerEntry", () => {
  it("creates the file when there is none, or only blanks", () => {
    const created = `{
  "mcpServers": {
    "berth": {
      "type": "stdio",
      "command": "npx",
      "args": [
        "--no",
        "berth",
        "mcp"
      ]
    }
  }
}
`;
    expect(merge(undefined)).toEqual({ text: created, change: "created" });
    expect(merge(" \n")).toEqual({ text: created, change: "created" });
  });

  it("adds berth after the other servers and leaves their text alone", () => {
    const text = `{
  "mcpServers": {
    "db": {"command": "pg-mcp", "args": ["--read-only"]},
    "zeta": { "command": "z" }
  },
  "other": true
}
`;
    const { text: merged, change } = merge(text);
    expect(change).toBe("added");
    expect(merged).toBe(`{
  "mcpServers": {
    "db": {"command": "pg-mcp", "args": ["--read-only"]},
    "zeta": { "command": "z" },
    "berth": {
      "type": "stdio",
      "command": "npx",
      "args": [
        "--no",
        "berth",
        "mcp"
      ]
    }
  },
  "other": true
}
`);
    expect(Object.keys(JSON.parse(merged).mcpServers)).toEqual(["db", "zeta", "berth"]);
  });

  it("keeps the file's indentation, line ends and byte-order mark", () => {
    const text =
      '\uFEFF{\r\n    "mcpServers": {\r\n        "db": { "command": "pg" }\r\n    }\r\n}\r\n';
    const merged = merge(text).text;
    expect(merged).toBe(
      '\uFEFF{\r\n    "mcpServers": {\r\n        "db": { "command": "pg" },\r\n' +
        '        "berth": {\r\n            "type": "stdio",\r\n            "command": "npx",\r\n' +
        '            "args": [\r\n                "--no",\r\n                "berth",\r\n' +
        '                "mcp"\r\n            ]\r\n        }\r\n    }\r\n}\r\n',
    );
    const tabs = merge('{\n\t"mcpServers": {\n\t\t"db": {}\n\t}\n}\n').text;
    expect(tabs).toContain('\t\t"berth": {\n\t\t\t"type": "stdio",\n');
  });

  it("writes on the line of a one-line file, compactly", () => {
    expect(merge('{"mcpServers": {"db": {"command": "pg"}}}').text).toBe(
      '{"mcpServers": {"db": {"command": "pg"}, "berth": {"type":"stdio","command":"npx","args":["--no","berth","mcp"]}}}',
    );
  });

  it("adds the servers key when the file has none, and fills an empty one", () => {
    expect(merge('{\n  "$schema": "x"\n}\n').text).toBe(
      '{\n  "$schema": "x",\n  "mcpServers": {\n    "berth": {\n      "type": "stdio",\n' +
        '      "command": "npx",\n      "args": [\n        "--no",\n        "berth",\n' +
        '        "mcp"\n      ]\n    }\n  }\n}\n',
    );
    expect(JSON.parse(merge("{}").text)).toEqual({ mcpServers: { berth: entry } });
    const empty = merge('{\n  "mcpServers": {\n  }\n}\n').text;
    expect(empty).toBe(
      '{\n  "mcpServers": {\n    "berth": {\n      "type": "stdio",\n      "command": "npx",\n' +
        '      "args": [\n        "--no",\n        "berth",\n        "mcp"\n      ]\n    }\n  }\n}\n',
    );
  });

  it("updates berth's own entry in place, keeping keys berth does not write", () => {
    const text = `{
  "mcpServers": {
    "berth": { "command": "berth", "args": ["mcp"], "env": { "DEBUG": "1" } },
    "db": { "command": "pg" }
  }
}
`;
    const { text: merged, change } = merge(text);
    expect(change).toBe("updated");
    const servers = JSON.parse(merged).mcpServers;
    expect(Object.keys(servers)).toEqual(["berth", "db"]);
    expect(servers.berth).toEqual({ ...entry, env: { DEBUG: "1" } });
    expect(merged).toContain('\n    "db": { "command": "pg" }\n');
  });

  it("changes nothing when the entry is already there", () => {
    const text = merge('{ "mcpServers": { "db": {} } }').text;
    expect(merge(text)).toEqual({ text, change: "unchanged" });
    const extra = text.replace('"type":"stdio"', '"env":{"A":"1"},"type":"stdio"');
    expect(merge(extra)).toEqual({ text: extra, change: "unchanged" });
  });

  it("keeps comments and trailing commas where the client allows them (VS Code)", () => {
    const text = `{
  // servers of the team
  "servers": {
    "db": { "type": "stdio", "command": "pg" }, // read-only
  },
  "inputs": [],
}
`;
    const { text: merged } = merge(text, vscode);
    expect(merged).toBe(`{
  // servers of the team
  "servers": {
    "db": { "type": "stdio", "command": "pg" }, // read-only
    "berth": {
      "type": "stdio",
      "command": "npx",
      "args": [
        "--no",
        "berth",
        "mcp"
      ]
    }
  },
  "inputs": [],
}
`);
    const noComma = merge('{\n  "servers": {\n    "db": {} // mine\n  }\n}\n', vscode).text;
    expect(noComma).toContain('    "db": {}, // mine\n    "berth": {\n');
    expect(parse(noComma)).toEqual({ servers: { db: {}, berth: entry } });
  });

  it("places the entry sensibly beside comments and trailing commas", () => {
    const compact = merge('{"servers": {"db": {},}}', vscode).text;
    expect(compact).toBe(
      '{"servers": {"db": {}, "berth": {"type":"stdio","command":"npx","args":["--no","berth","mcp"]}}}',
    );
    const commented = merge('{\n  "servers": {\n    // none yet\n  }\n}\n', vscode).text;
    expect(commented).toMatch(/^\{\n {2}"servers": \{\n {4}\/\/ none yet\n {4}"berth": \{\n/);
    expect(commented.endsWith("\n    }\n  }\n}\n")).toBe(true);
    expect(parse(commented)).toEqual({ servers: { berth: entry } });
  });

  it("refuses a file that is not JSON, saying where, with the entry to add by hand", () => {
    expect(refusal('{\n  "mcpServers": {\n    "db": {},\n  }\n}\n')).toBe(
      "/p/.mcp.json is not valid JSON: property name expected at line 4, column 3. " +
        "berth left it as it was. Fix it and run `berth mcp init` again, " +
        'or add this under "mcpServers" yourself:\n' +
        '"berth": {\n  "type": "stdio",\n  "command": "npx",\n  "args": [\n    "--no",\n' +
        '    "berth",\n    "mcp"\n  ]\n}',
    );
    expect(refusal('// mine\n{ "mcpServers": {} }')).toMatch(
      /^\/p\/\.mcp\.json is not valid JSON: invalid comment token at line 1, column 1\./,
    );
    expect(refusal('{ "servers": { /* x */ ', vscode)).toMatch(
      /^\/p\/\.vscode\/mcp\.json is not valid JSON with comments: close brace expected at line 1, column 24\./,
    );
  });

  it("refuses a file whose value or servers are not objects", () => {
    expect(refusal("[]")).toMatch(
      /^\/p\/\.mcp\.json cannot hold MCP servers: it holds an array, not an object\./,
    );
    expect(refusal('{ "mcpServers": ["db"] }')).toMatch(
      /cannot hold MCP servers: its "mcpServers" is an array, not an object\./,
    );
  });
});
