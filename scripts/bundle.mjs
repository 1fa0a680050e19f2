// Bundles the CLI into dist/cli/: berth.cjs (every command, one CommonJS file) and
// launch.cjs (what bin/berth.cjs runs: the bundle, compiled with a code cache).
//
// Why one CommonJS file: Node spends most of a short command's time loading and
// compiling modules. Node 20's ES module loader costs about a millisecond per module
// (resolve, read, link, asynchronously) where a bundled CommonJS module is a function call,
// and only CommonJS can be compiled with V8's code cache on Node 20. A lazily imported
// command stays lazy: esbuild runs a module's body on its first import, not at load.
// tsc's per-file output in dist/ stays the library (`defineConfig`, types).
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";

const outdir = "dist/cli";
rmSync(outdir, { recursive: true, force: true });
rmSync("dist/cli-bundle", { recursive: true, force: true });

const common = {
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  logLevel: "warning",
  outExtension: { ".js": ".cjs" },
  // CommonJS has no import.meta: the modules that ask for their own URL get the bundle's.
  define: { "import.meta.url": "__berthModuleUrl" },
  // "use strict" first: esbuild's own comes after the banner, where it does nothing.
  banner: {
    js: '"use strict";\nconst __berthModuleUrl = require("node:url").pathToFileURL(__filename).href;',
  },
};

// Two dependencies require a Node module as they load, for functions berth never calls:
// vscode-jsonrpc crypto (for names of pipes and ids it makes itself), commander
// child_process (for subcommands that are separate executables). Each takes a millisecond
// or more to load, and `berth ps` needs neither. Their `require` gets an object that loads
// the module on first use instead.
const lazyInDependencies = { "vscode-jsonrpc": ["crypto"], commander: ["child_process"] };
const lazyBuiltins = {
  name: "lazy-builtins-in-dependencies",
  setup(bundler) {
    bundler.onResolve({ filter: /^(node:)?(crypto|child_process)$/ }, (args) => {
      const builtin = args.path.replace(/^node:/, "");
      const lazy = Object.entries(lazyInDependencies).some(
        ([name, builtins]) =>
          builtins.includes(builtin) && args.importer.includes(`/node_modules/${name}/`),
      );
      return lazy ? { path: builtin, namespace: "lazy" } : undefined;
    });
    bundler.onLoad({ filter: /.*/, namespace: "lazy" }, (args) => ({
      contents:
        "let loaded;\n" +
        `module.exports = new Proxy({}, { get: (_, key) => (loaded ??= require("node:${args.path}"))[key] });`,
      loader: "js",
    }));
  },
};

const { version } = JSON.parse(readFileSync("package.json", "utf8"));

await build({
  ...common,
  entryPoints: { berth: "src/cli/main.ts" },
  outdir,
  // The bundle sits in dist/cli/: it knows its version and where the package is.
  define: { ...common.define, BERTH_BUNDLED_VERSION: JSON.stringify(version) },
  // jiti is one large file already, and is required only to load a TypeScript config;
  // undici only to download through a proxy.
  external: ["jiti", "undici"],
  sourcemap: true,
  plugins: [lazyBuiltins],
});

// The launcher reads the bundle as latin1, which is exact for ASCII and half the work of
// decoding UTF-8. esbuild escapes every string and regular expression to ASCII but keeps a
// few comments as written: their other characters become \u escapes (they are comments).
let bundle = readFileSync(`${outdir}/berth.cjs`, "utf8");
bundle = bundle.replace(
  /[^\t\n\r\x20-\x7e]/gu,
  (char) => `\\u{${char.codePointAt(0).toString(16)}}`,
);
writeFileSync(`${outdir}/berth.cjs`, bundle);
// esbuild leaves `import()` of a module outside the bundle (Node's own included) as it is:
// it would load the ES module loader, which the bundle exists to avoid. Use createRequire.
const dynamic = bundle.split("\n").filter((line) => /(?<![\w.])import\(/.test(line));
if (dynamic.length > 0) {
  throw new Error(`dynamic import() left in ${outdir}/berth.cjs:\n${dynamic.join("\n")}`);
}

const buildId = createHash("sha256").update(bundle).digest("hex").slice(0, 16);

await build({
  ...common,
  entryPoints: { launch: "src/cli/launch.ts" },
  outdir,
  define: { ...common.define, BERTH_BUILD_ID: JSON.stringify(buildId) },
});
