import nodeModule from "node:module";
import { createRequire } from "node:module";
import { join } from "node:path";
import { berthHome } from "../control/address.js";
import {
  installCodeCacheHook,
  removeOthers,
  requireWithCodeCache,
} from "../platform/code-cache.js";

/** The bundle's content hash, set by scripts/bundle.mjs: a cache belongs to one build. */
declare const BERTH_BUILD_ID: string;

/**
 * What `bin/berth.cjs` runs: the CLI bundle, compiled with a code cache kept in
 * `$BERTH_HOME/cache/code/` (`NODE_DISABLE_COMPILE_CACHE=1` turns it off, as for Node's own).
 *
 * One cache per command: each holds the functions its command compiled, so `berth ps`
 * does not load the code of `berth run`, and none is rewritten once it exists.
 */
export function launch(bundleFile: string, argv: string[] = process.argv): void {
  const root = cacheRoot();
  // Node 22.1 and later keep a code cache themselves.
  const enable = (nodeModule as { enableCompileCache?: (dir: string) => unknown })
    .enableCompileCache;
  if (root === undefined || enable) {
    if (root !== undefined) enable?.(join(root, "node"));
    createRequire(bundleFile)(bundleFile);
    return;
  }
  const builds = join(root, "v8");
  const build = join(builds, `${BERTH_BUILD_ID}-${process.version}-${process.arch}`);
  const onWritten = () => removeOthers(builds, build);
  installCodeCacheHook(build, onWritten);
  requireWithCodeCache(bundleFile, {
    cacheFile: join(build, `${commandOf(argv)}.bin`),
    onWritten,
    ascii: true,
  });
}

/** `$BERTH_HOME/cache/code`; none when turned off or when there is no home to keep it in. */
function cacheRoot(): string | undefined {
  if (process.env.NODE_DISABLE_COMPILE_CACHE) return undefined;
  try {
    return join(berthHome(), "cache", "code");
  } catch {
    return undefined; // no HOME and no passwd entry
  }
}

/** The command's name (`berth --verbose exec -- npm test` → `exec`), for its cache's name. */
export function commandOf(argv: string[]): string {
  const word = argv.slice(2).find((arg) => !arg.startsWith("-"));
  return word !== undefined && /^[a-z][a-z-]{0,19}$/.test(word) ? word : "other";
}
