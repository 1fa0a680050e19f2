/**
 * Watches a service's files: chokidar watches the folders the patterns start from, and
 * picomatch decides which changes count (chokidar 4 no longer takes globs itself). Both
 * load only when a service watches something.
 */
import { isAbsolute, relative, resolve, sep } from "node:path";
import type { WatchSpec } from "../../model/app.js";

export interface FileWatcher {
  /** Stops watching; no handle is left to keep the process alive. Idempotent. */
  close(): Promise<void>;
}

export interface WatchFilesOptions {
  /** Called with the changed file (added, changed or removed), relative to `spec.root`. */
  onChange: (file: string) => void;
  /** A watch that failed after it started (a folder that became unreadable, too many watches). */
  onError?: (error: Error) => void;
}

/**
 * Starts watching; resolves once the initial scan is done, so that any later change is seen.
 *
 * @example
 * const watcher = await watchFiles({ root: "/app", paths: ["src/**\/*.ts"], ignore: [], debounceMs: 300 }, {
 *   onChange: (file) => console.log(`${file} changed`),
 * });
 * await watcher.close();
 */
export async function watchFiles(
  spec: WatchSpec,
  options: WatchFilesOptions,
): Promise<FileWatcher> {
  const [{ watch }, { default: picomatch }] = await Promise.all([
    import("chokidar"),
    import("picomatch"),
  ]);
  const patterns = spec.paths.map((path) => asRelative(spec.root, path));
  const ignored = picomatch(
    spec.ignore.map((path) => asRelative(spec.root, path)),
    { dot: true },
  );
  const matchers = patterns.map((pattern) => {
    const scan = picomatch.scan(pattern);
    if (!scan.isGlob) {
      // A plain path is a file, or a folder and everything in it.
      const base = stripSlash(pattern);
      return { base, matches: (file: string) => file === base || file.startsWith(`${base}/`) };
    }
    return { base: scan.base === "" ? "." : scan.base, matches: picomatch(pattern) };
  });
  const toRelative = (file: string) => relative(spec.root, file).split(sep).join("/");

  const watcher = watch([...new Set(matchers.map((m) => resolve(spec.root, m.base)))], {
    ignoreInitial: true,
    // Whole folders are left out, so node_modules is never even read.
    ignored: (file) => {
      const path = toRelative(file);
      return path !== "" && ignored(path);
    },
  });
  const onEvent = (file: string) => {
    const path = toRelative(file);
    if (!ignored(path) && matchers.some((m) => m.matches(path))) options.onChange(path);
  };
  watcher.on("add", onEvent).on("change", onEvent).on("unlink", onEvent);
  watcher.on("error", (error) => options.onError?.(error as Error));
  await new Promise<void>((ready, fail) => {
    watcher.once("ready", ready);
    watcher.once("error", fail);
  }).catch(async (error: unknown) => {
    await watcher.close();
    throw error;
  });
  let closed: Promise<void> | undefined;
  return { close: () => (closed ??= watcher.close()) };
}

/** Patterns are matched against paths relative to the root, with `/` separators. */
function asRelative(root: string, pattern: string): string {
  const path = isAbsolute(pattern) ? relative(root, pattern).split(sep).join("/") : pattern;
  return path.startsWith("./") ? path.slice(2) : path;
}

function stripSlash(path: string): string {
  return path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
}
