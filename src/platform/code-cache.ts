import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire, Module } from "node:module";
import { basename, dirname, join } from "node:path";
import { constants as vmConstants, Script } from "node:vm";

/*
 * V8's code cache for berth's own CommonJS files. Node 22 has this built in
 * (`module.enableCompileCache`); Node 20 does not, and a short command spends a fifth of
 * its own time compiling berth's bundle and jiti. V8 checks that a cache fits the running
 * V8 and its flags, and compiles afresh when not (`cachedDataRejected`); it does not check
 * the source, so a cache file's name must pin one exact version of its file.
 *
 * A cache is written at exit, when it holds every function the run compiled, and only
 * when it was missing or rejected. A failure to read or write one only costs the compile.
 */

export interface CodeCacheOptions {
  /** The file the cache is read from and, when missing or stale, written to. */
  cacheFile: string;
  /** Called once the cache was written. */
  onWritten?: (cacheFile: string) => void;
  /** The file is known to be ASCII (berth's bundle is built so): it is read faster. */
  ascii?: boolean;
}

/** Runs a CommonJS file the way `require` would, compiled with a code cache. */
export function requireWithCodeCache(file: string, options: CodeCacheOptions): unknown {
  return run(file, options).exports;
}

/**
 * What the launcher offers the code it runs: a way to have a dependency's file compiled
 * with a cache too, before it is required. Absent when berth runs from source (tests) or as
 * a library.
 */
export interface CodeCacheHook {
  /** Compiles and runs `file` into `require.cache`, so that `require(file)` finds it there. */
  preload(file: string): void;
}

const hookKey = Symbol.for("berth.codeCache");

export function installCodeCacheHook(cacheFolder: string, onWritten?: () => void): void {
  const hook: CodeCacheHook = {
    preload(file) {
      const require = createRequire(file);
      if (require.cache[file]) return;
      let stamp: string;
      try {
        const { size, mtimeMs } = statSync(file);
        stamp = `${basename(file)}-${size}-${Math.round(mtimeMs)}`;
      } catch {
        return; // not where expected: `require` will say what is wrong
      }
      let module: Module;
      try {
        module = run(file, { cacheFile: join(cacheFolder, `${stamp}.bin`), onWritten });
      } catch {
        return; // let `require` load it the usual way, and fail the usual way
      }
      module.loaded = true;
      require.cache[file] = module;
    },
  };
  (globalThis as Record<symbol, unknown>)[hookKey] = hook;
}

/** The launcher's hook, when berth runs from its launcher. */
export function codeCacheHook(): CodeCacheHook | undefined {
  return (globalThis as Record<symbol, CodeCacheHook | undefined>)[hookKey];
}

/** Compiles and runs `file` as a CommonJS module; returns the module. */
function run(file: string, options: CodeCacheOptions): Module {
  const module = new Module(file);
  module.filename = file;
  const source = readFileSync(file, options.ascii ? "latin1" : "utf8");
  const cachedData = readOptional(options.cacheFile);
  // On the same line as the source's first, as Node's own wrapper, so line numbers hold.
  const script = new Script(
    `(function (exports, require, module, __filename, __dirname) { ${source}\n})`,
    {
      filename: file,
      cachedData,
      // An `import()` in the file uses Node's own loader, as it would under `require`
      // (older Node 20 releases lack the constant; there, `import()` rejects).
      importModuleDynamically: (vmConstants as Partial<typeof vmConstants> | undefined)
        ?.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    },
  );
  if (cachedData === undefined || script.cachedDataRejected) {
    process.once("exit", () => writeCache(script, options));
  }
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  return module;
}

function readOptional(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

function writeCache(script: Script, options: CodeCacheOptions): void {
  const { cacheFile } = options;
  // Written aside and renamed: a concurrent run reads a whole cache or none.
  const partial = `${cacheFile}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(cacheFile), { recursive: true, mode: 0o700 });
    writeFileSync(partial, script.createCachedData(), { mode: 0o600 });
    renameSync(partial, cacheFile);
    options.onWritten?.(cacheFile);
  } catch {
    rmSync(partial, { force: true });
  }
}

/** How long another build's cache is kept after it was last written to. */
export const STALE_CACHE_MS = 7 * 24 * 3600 * 1000;

/**
 * Removes the entries of `folder` other than `keep` that were not written to for a week:
 * the caches of builds no longer installed. Not at once: two installs in use side by side
 * (a global and a project's berth, two Node versions) would otherwise delete each other's.
 */
export function removeOthers(folder: string, keep: string, now = Date.now()): void {
  try {
    for (const entry of readdirSync(folder)) {
      if (entry === basename(keep)) continue;
      const path = join(folder, entry);
      if (now - statSync(path).mtimeMs > STALE_CACHE_MS) {
        rmSync(path, { recursive: true, force: true });
      }
    }
  } catch {
    // a cache folder that cannot be listed only keeps its old entries
  }
}
