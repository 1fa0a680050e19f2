import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { tempProject } from "../../test/helpers/project.js";
import { BerthError, isBerthError } from "../errors.js";
import { loadConfig } from "./load.js";

const expected = { services: { api: { command: "node api.js", port: 3000 } } };

async function loadError(file: string): Promise<BerthError> {
  try {
    await loadConfig(file);
  } catch (error) {
    if (isBerthError(error, "CONFIG_LOAD_FAILED")) return error;
    throw error;
  }
  throw new Error("expected CONFIG_LOAD_FAILED");
}

describe("loadConfig", () => {
  test("a .ts config with TypeScript syntax that imports defineConfig from berth-dev", async () => {
    // No node_modules in the temp project: "berth-dev" must resolve to this package.
    const dir = tempProject({
      "berth.config.ts": `
        import { defineConfig, type ServiceConfig } from "berth-dev";
        interface Options { port: number }
        const options: Options = { port: 3000 };
        const api = { command: "node api.js", port: options.port } satisfies ServiceConfig;
        export default defineConfig({ services: { api } });
      `,
    });
    expect(await loadConfig(join(dir, "berth.config.ts"))).toEqual(expected);
  });

  test.each(["mts", "js", "mjs"])("a .%s config", async (extension) => {
    const dir = tempProject({
      [`berth.config.${extension}`]: `import { defineConfig } from "berth-dev";\nexport default defineConfig(${JSON.stringify(expected)});\n`,
    });
    expect(await loadConfig(join(dir, `berth.config.${extension}`))).toEqual(expected);
  });

  test("a .json config", async () => {
    const dir = tempProject({ "berth.config.json": JSON.stringify(expected, null, 2) });
    expect(await loadConfig(join(dir, "berth.config.json"))).toEqual(expected);
  });

  test("a RegExp in a config survives loading", async () => {
    const dir = tempProject({
      "berth.config.ts": `export default { services: { api: { command: "x", ready: { log: /up/ } } } };`,
    });
    const config = (await loadConfig(join(dir, "berth.config.ts"))) as typeof expected & {
      services: { api: { ready: { log: RegExp } } };
    };
    expect(config.services.api.ready.log).toBeInstanceOf(RegExp);
  });

  test("a syntax error names the file and where it is, keeping the cause", async () => {
    const file = join(
      tempProject({ "berth.config.ts": "const port: number = ;\nexport default {};" }),
      "berth.config.ts",
    );
    const error = await loadError(file);
    expect(error.message).toBe(
      `Cannot load ${file}: syntax error at line 1, column 22: Unexpected token`,
    );
    expect(error.cause).toBeInstanceOf(Error);
    expect(error.exitCode).toBe(3);
  });

  test("a missing import", async () => {
    const file = join(
      tempProject({ "berth.config.ts": 'import "./nope.js";\nexport default {};' }),
      "berth.config.ts",
    );
    const error = await loadError(file);
    expect(error.message).toBe(
      `Cannot load ${file}: it threw at line 1, column 1: Cannot find module './nope.js'`,
    );
    expect(error.details.slice(0, 3)).toEqual([
      `at ${file}:1:1`,
      '1 | import "./nope.js";',
      "  | ^",
    ]);
  });

  test("a config that throws", async () => {
    const file = join(
      tempProject({ "berth.config.mjs": `throw new Error("no DATABASE_URL");` }),
      "berth.config.mjs",
    );
    const error = await loadError(file);
    expect(error.message).toBe(
      `Cannot load ${file}: it threw at line 1, column 7: no DATABASE_URL`,
    );
    expect((error.cause as Error).message).toBe("no DATABASE_URL");
  });

  test("a TypeScript config that throws: the place as written, not as transpiled", async () => {
    const dir = tempProject({
      "berth.config.ts": [
        'import { defineConfig } from "berth-dev";',
        "interface Env { [key: string]: string | undefined }",
        "const env: Env = process.env;",
        "const url: string = env.NO_SUCH_VARIABLE_HERE!.trim();",
        "export default defineConfig({ services: {} });",
      ].join("\n"),
    });
    const file = join(dir, "berth.config.ts");
    const error = await loadError(file);
    expect(error.message).toBe(
      `Cannot load ${file}: it threw at line 4, column 48: TypeError: Cannot read properties of undefined (reading 'trim')`,
    );
    expect(error.details).toEqual([
      `at ${file}:4:48`,
      "4 | const url: string = env.NO_SUCH_VARIABLE_HERE!.trim();",
      `  | ${" ".repeat(47)}^`,
    ]);
  });

  test("a module the config imports that throws: that file, line and column", async () => {
    const dir = tempProject({
      "berth.config.ts":
        'import { port } from "./ports.ts";\nexport default { services: { a: { command: "x", port } } };',
      "ports.ts":
        "export function pick(): number {\n\tthrow new RangeError(`no free port`);\n}\nexport const port: number = pick();\n",
    });
    const error = await loadError(join(dir, "berth.config.ts"));
    expect(error.message).toBe(
      `Cannot load ${join(dir, "berth.config.ts")}: ${join(dir, "ports.ts")} threw at line 2, column 8: RangeError: no free port`,
    );
    // A tab stays a tab under the line, so the caret lines up.
    expect(error.details.slice(1)).toEqual([
      "2 | \tthrow new RangeError(`no free port`);",
      "  | \t      ^",
    ]);
  });

  test("a config without a default export", async () => {
    const file = join(
      tempProject({ "berth.config.ts": "export const services = {};" }),
      "berth.config.ts",
    );
    expect((await loadError(file)).message).toBe(
      `${file} has no default export. End it with \`export default defineConfig({ services: { ... } })\`.`,
    );
  });

  test.each([
    ['{\n  "services": {\n    "api": ,\n  }\n}', 'line 3, column 12: Unexpected token ","'],
    [
      '{\n  "services": {\n    "api": { "command": "x", }\n  }\n}',
      "line 3, column 30: Expected double-quoted property name",
    ],
    ['{\n  "services": {', "line 2, column 16: Expected property name or '}'"],
    ["", "line 1, column 1: Unexpected end of JSON input"],
    ['{"a": tru, "b": "a value long enough to be cut"}', 'line 1, column 10: Unexpected token ","'],
  ])("invalid JSON names the line and column: %j", async (json, where) => {
    const file = join(tempProject({ "berth.config.json": json }), "berth.config.json");
    const error = await loadError(file);
    expect(error.message).toBe(`Cannot parse ${file} at ${where}`);
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  test("a short invalid JSON text has no location to give", async () => {
    const file = join(tempProject({ "berth.config.json": '{"a": tru}' }), "berth.config.json");
    expect((await loadError(file)).message).toBe(`Cannot parse ${file}: Unexpected token "}"`);
  });

  test("an unsupported file type", async () => {
    const file = join(tempProject({ "berth.config.yaml": "services: {}" }), "berth.config.yaml");
    expect((await loadError(file)).message).toBe(
      `Cannot load ${file}: unsupported file type ".yaml". Use berth.config.ts, .mts, .js, .mjs or .json.`,
    );
  });

  test("an edited config loads fresh", async () => {
    const dir = tempProject({ "berth.config.ts": "export default { n: 1 };" });
    const file = join(dir, "berth.config.ts");
    expect(await loadConfig(file)).toEqual({ n: 1 });
    writeFileSync(file, "export default { n: 2 };");
    expect(await loadConfig(file)).toEqual({ n: 2 });
  });

  test("a JSON config saved with a UTF-8 byte-order mark", async () => {
    const dir = tempProject({ "berth.config.json": `\uFEFF${JSON.stringify(expected)}` });
    expect(await loadConfig(join(dir, "berth.config.json"))).toEqual(expected);
  });

  test("a getter that throws is a config error naming the field and the line", async () => {
    const file = join(
      tempProject({
        "berth.config.ts": [
          "const port: number = 3000;",
          "export default {",
          "  services: { api: { get command(): string { throw new Error(`no ${port}`); } } },",
          "};",
        ].join("\n"),
      }),
      "berth.config.ts",
    );
    const error = await loadError(file);
    expect(error.message).toBe(
      `Cannot read the config ${file}: services.api.command: reading it threw: no 3000 (line 3, column 52). ` +
        "A config's value must be plain data: objects, arrays, strings, numbers, booleans and RegExps.",
    );
    expect(error.details[0]).toContain("throw new Error");
  });

  test("a process.exit() in the config is a config error, and berth goes on", async () => {
    const file = join(
      tempProject({ "berth.config.ts": "process.exit(0);\nexport default {};\n" }),
      "berth.config.ts",
    );
    const error = await loadError(file);
    expect(error.message).toMatch(
      /^Cannot load .*: it called process\.exit\(0\) at line 1, column \d+ while it loaded\./,
    );
  });
});
