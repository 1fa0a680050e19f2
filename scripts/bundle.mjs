// Builds dist/ afresh with esbuild: the CLI bundle, dist/cli/berth.cjs (what bin/berth.cjs
// runs), and the library entry a config imports, dist/index.js (`defineConfig`). tsc then
// writes the public API's declarations beside it (tsconfig.build.json).
//
// Why one CommonJS file for the CLI: Node spends most of a short command's time loading
// modules, and Node 20's ES module loader costs about a millisecond per module (resolve,
// read, link, asynchronously) where a bundled CommonJS module is a function call. A lazily
// imported command stays lazy: esbuild runs a module's body on its first import, not at load.
import { build } from "esbuild";
import { readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";

rmSync("dist", { recursive: true, force: true });
const { version } = JSON.parse(readFileSync("package.json", "utf8"));

// The dashboard page's script (src/dashboard/browser/), built for the browser: the CLI
// bundle carries it as a string (BERTH_DASHBOARD_JS, src/dashboard/page-script.ts).
const page = await build({
  entryPoints: ["src/dashboard/browser/main.ts"],
  bundle: true,
  format: "iife",
  target: "es2022",
  minify: true,
  write: false,
  logLevel: "warning",
});

const cli = "dist/cli/berth.cjs";
const cliOptions = {
  entryPoints: ["src/cli/main.ts"],
  outfile: cli,
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  logLevel: "warning",
  // jiti is one large file already, and is required only to load a TypeScript config;
  // undici only to download through a proxy.
  external: ["jiti", "undici"],
  // jsonc-parser's main file is UMD, whose require() of its own parts esbuild cannot follow.
  alias: { "jsonc-parser": "jsonc-parser/lib/esm/main.js" },
  define: {
    // CommonJS has no import.meta: the modules that ask for their own URL get the bundle's.
    "import.meta.url": "__berthModuleUrl",
    // The bundle sits in dist/cli/: it knows its version and where the package is.
    BERTH_BUNDLED_VERSION: JSON.stringify(version),
    BERTH_DASHBOARD_JS: JSON.stringify(page.outputFiles[0].text),
  },
  // "use strict" first: esbuild's own comes after the banner, where it does nothing.
  banner: {
    js: '"use strict";\nconst __berthModuleUrl = require("node:url").pathToFileURL(__filename).href;',
  },
};
await build(cliOptions);
// `berth mcp` alone needs the MCP SDK: its server is a bundle of its own beside the CLI's,
// which the CLI requires by path (src/cli/commands/mcp.ts), so no other command parses it.
const mcp = "dist/cli/mcp.cjs";
// npm gave the SDK and ajv-formats a copy each of the same ajv 8: bundling one saves 200 KB
// that `berth mcp` would compile before its first answer.
const sdkRequire = createRequire(resolve("node_modules/@modelcontextprotocol/sdk/package.json"));
const ajv = dirname(sdkRequire.resolve("ajv/package.json"));
await build({
  ...cliOptions,
  entryPoints: ["src/mcp/index.ts"],
  outfile: mcp,
  alias: { ...cliOptions.alias, ajv },
});

// `berth publish` alone needs the YAML library and the Kubernetes models: a bundle of its
// own too (src/cli/commands/publish.ts requires it by path).
const publish = "dist/cli/publish.cjs";
await build({ ...cliOptions, entryPoints: ["src/cli/publish-command.ts"], outfile: publish });

// esbuild leaves `import()` of a module outside the bundle (Node's own included) as it is:
// it would load the ES module loader, which the bundle exists to avoid. Use createRequire.
for (const file of [cli, mcp, publish]) {
  const dynamic = readFileSync(file, "utf8")
    .split("\n")
    // A comment may mention import() (the MCP SDK's do); only code counts.
    .filter((line) => /(?<![\w.])import\(/.test(line) && !/^\s*(\/\/|\*)/.test(line));
  if (dynamic.length > 0) {
    throw new Error(`dynamic import() left in ${file}:\n${dynamic.join("\n")}`);
  }
  // page-script.ts bundles the page itself only when run from src/: esbuild stays out.
  if (readFileSync(file, "utf8").includes("ESBUILD_BINARY_PATH")) {
    throw new Error(`esbuild was bundled into ${file}: see src/dashboard/page-script.ts`);
  }
}

await build({
  entryPoints: ["src/index.ts"],
  outfile: "dist/index.js",
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  logLevel: "warning",
});
