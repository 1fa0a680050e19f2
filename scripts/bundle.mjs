// Bundles the CLI into dist/cli-bundle/: one file per command (loaded lazily), so a command
// such as `berth ps` reads a handful of files instead of a few hundred modules. Node spends
// most of a short command's time resolving and loading modules; tsc's per-file output in
// dist/ stays as the library (and the guardian's entry).
import { build } from "esbuild";
import { rmSync } from "node:fs";

const outdir = "dist/cli-bundle";
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: ["src/cli/main.ts"],
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // jiti is one large file already, and is imported only to load a TypeScript config.
  external: ["jiti"],
  // Bundled CommonJS (vscode-jsonrpc) calls require() for Node's built-in modules.
  banner: {
    js: 'import { createRequire as __berthRequire } from "node:module"; const require = __berthRequire(import.meta.url);',
  },
  sourcemap: true,
  logLevel: "warning",
});
