import { existsSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";

/**
 * `path` with every `node_modules/.bin` from `dir` up to the root put first, nearest first,
 * as `npm run` gives a script: a service or `berth exec` finds the project's own `vite` or
 * `vitest` however berth itself was started (npx, a global install, an absolute path).
 *
 * @example withLocalBins("/usr/bin", "/app/web") // "/app/web/node_modules/.bin:/app/node_modules/.bin:/usr/bin"
 */
export function withLocalBins(path: string | undefined, dir: string): string | undefined {
  const bins: string[] = [];
  for (let at = dir; ; at = dirname(at)) {
    const bin = join(at, "node_modules", ".bin");
    if (existsSync(bin)) bins.push(bin);
    if (dirname(at) === at) break;
  }
  if (bins.length === 0) return path;
  const rest = (path ?? "")
    .split(delimiter)
    .filter((entry) => entry !== "" && !bins.includes(entry));
  return [...bins, ...rest].join(delimiter);
}
