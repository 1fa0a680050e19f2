import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { waitFor } from "../../../test/helpers/processes.js";
import { tempProject } from "../../../test/helpers/project.js";
import type { WatchSpec } from "../../model/app.js";
import { watchFiles, type FileWatcher } from "./file-watcher.js";

const open: FileWatcher[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((watcher) => watcher.close()));
});

const defaults = ["**/node_modules/**", "**/.git/**", "**/.berth/**"];

/** Watches `root` and records what changed, in order; `next()` resolves with the next change. */
async function watch(root: string, paths: string[], ignore: string[] = []) {
  const seen: string[] = [];
  const waiters: (() => void)[] = [];
  const spec: WatchSpec = { root, paths, ignore: [...defaults, ...ignore], debounceMs: 0 };
  const watcher = await watchFiles(spec, {
    onChange: (file) => {
      seen.push(file);
      waiters.splice(0).forEach((wake) => wake());
    },
  });
  open.push(watcher);
  /**
   * Resolves once every one of `files` has been seen, with the files seen so far (each
   * once: a new file may be reported as added and then as changed).
   */
  const until = async (...files: string[]) => {
    while (!files.every((file) => seen.includes(file))) {
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
    return [...new Set(seen)].sort();
  };
  return { seen, until, watcher };
}

describe("watchFiles", () => {
  test("reports changes to files its globs match, relative to the root", async () => {
    const root = tempProject({ "src/server.ts": "", "src/lib/db.ts": "", "README.md": "" });
    const { until } = await watch(root, ["src/**/*.ts"]);
    writeFileSync(join(root, "README.md"), "changed");
    writeFileSync(join(root, "src/server.js"), "not a .ts file");
    writeFileSync(join(root, "src/lib/db.ts"), "changed");
    expect(await until("src/lib/db.ts")).toEqual(["src/lib/db.ts"]);
    writeFileSync(join(root, "src/new.ts"), "added");
    rmSync(join(root, "src/server.ts"));
    expect(await until("src/new.ts", "src/server.ts")).toEqual([
      "src/lib/db.ts",
      "src/new.ts",
      "src/server.ts",
    ]);
  });

  test("a plain path is a file, or a folder and everything in it", async () => {
    const root = tempProject({ "package.json": "{}", "config/a.json": "", "other.json": "" });
    const { until } = await watch(root, ["package.json", "./config/"]);
    writeFileSync(join(root, "other.json"), "x");
    writeFileSync(join(root, "config/a.json"), "x");
    expect(await until("config/a.json")).toEqual(["config/a.json"]);
    writeFileSync(join(root, "package.json"), "{ }");
    expect(await until("package.json")).toEqual(["config/a.json", "package.json"]);
  });

  test("node_modules, .git, .berth and the ignore globs are left out", async () => {
    const root = tempProject({
      "node_modules/dep/index.ts": "",
      ".git/HEAD": "",
      ".berth/logs/api.log": "",
      "src/a.test.ts": "",
      "src/a.ts": "",
    });
    const { until } = await watch(root, ["**/*"], ["**/*.test.ts"]);
    writeFileSync(join(root, "node_modules/dep/index.ts"), "x");
    writeFileSync(join(root, ".git/HEAD"), "x");
    writeFileSync(join(root, ".berth/logs/api.log"), "x");
    mkdirSync(join(root, "node_modules/new"));
    writeFileSync(join(root, "node_modules/new/index.ts"), "x");
    writeFileSync(join(root, "src/a.test.ts"), "x");
    writeFileSync(join(root, "src/a.ts"), "x");
    // Written last: once it is seen, the changes before it would have been too.
    expect(await until("src/a.ts")).toEqual(["src/a.ts"]);
  });

  test("after close, nothing is reported and nothing keeps the process alive", async () => {
    const root = tempProject({ "src/a.ts": "" });
    const { seen, watcher } = await watch(root, ["src"]);
    await watcher.close();
    await watcher.close();
    writeFileSync(join(root, "src/a.ts"), "x");
    // Node releases a closed fs.watch handle on a later turn of the event loop.
    const watchHandles = () =>
      process.getActiveResourcesInfo().filter((name) => /FSEventWrap|StatWatcher/.test(name));
    await waitFor(() => watchHandles().length === 0, "the watch handles to be released");
    expect(seen).toEqual([]);
  });
});
