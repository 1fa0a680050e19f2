import { packageRoot } from "../version.js";

/**
 * Set by scripts/bundle.mjs in the CLI bundle: the page's script (src/dashboard/browser/),
 * bundled for the browser when berth is built.
 */
declare const BERTH_DASHBOARD_JS: string | undefined;

let built: Promise<string> | undefined;

/**
 * The page's script (`/app.js`). The CLI bundle has it built in; running from src/ (the
 * unit tests), it is bundled here once with the devDependency esbuild, with the options
 * scripts/bundle.mjs uses. The import stays inside the ternary: in the CLI bundle the
 * condition is a constant, and esbuild drops the branch and esbuild with it.
 */
export function pageScript(): Promise<string> {
  return typeof BERTH_DASHBOARD_JS === "string"
    ? Promise.resolve(BERTH_DASHBOARD_JS)
    : (built ??= import("esbuild").then(async ({ build }) => {
        const result = await build({
          entryPoints: ["src/dashboard/browser/main.ts"],
          absWorkingDir: packageRoot,
          bundle: true,
          format: "iife",
          target: "es2022",
          write: false,
        });
        return result.outputFiles[0]!.text;
      }));
}
