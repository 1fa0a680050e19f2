import { mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import nodeModule from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runBerth } from "./helpers/cli.js";
import { tempProject } from "./helpers/project.js";

/** A private $BERTH_HOME, so each test sees its own cache from scratch. */
function home() {
  const dir = tempProject();
  const root = join(dir, "cache", "code", "v8");
  const builds = (): string[] => {
    try {
      return readdirSync(root).map((name) => join(root, name));
    } catch {
      return [];
    }
  };
  return { root, env: { BERTH_HOME: dir }, builds };
}

// Node 22.1 and later keep the cache themselves (module.enableCompileCache, in
// cache/code/node); these tests are of berth's own, for Node 20, which CI runs.
const nodeKeepsIt = "enableCompileCache" in nodeModule;

describe.skipIf(nodeKeepsIt)("the CLI's code cache (Node 20)", () => {
  it("is written on a command's first run, one per command, and then reused as it is", async () => {
    const { env, builds } = home();
    const first = await runBerth(["--version"], { cwd: tempProject(), env });
    expect(first.code).toBe(0);
    expect(builds()).toHaveLength(1);
    const build = builds()[0]!;
    expect(build).toMatch(new RegExp(`-${process.version}-${process.arch}$`));
    const other = join(build, "other.bin");
    expect(statSync(other).size).toBeGreaterThan(10_000);
    expect(statSync(other).mode & 0o777).toBe(0o600);
    const written = statSync(other).mtimeMs;

    const ps = await runBerth(["ps", "--json"], { cwd: tempProject(), env });
    expect(ps.code).toBe(0);
    expect(JSON.parse(ps.output)).toEqual([]);
    expect(readdirSync(build).sort()).toEqual(["other.bin", "ps.bin"]);

    const again = await runBerth(["--version"], { cwd: tempProject(), env });
    expect(again.output).toBe(first.output);
    expect(statSync(other).mtimeMs).toBe(written);
  });

  it("survives a damaged cache, and writes a good one in its place", async () => {
    const { env, builds } = home();
    await runBerth(["--version"], { cwd: tempProject(), env });
    const cache = join(builds()[0]!, "other.bin");
    writeFileSync(cache, "not a code cache");
    const result = await runBerth(["--version"], { cwd: tempProject(), env });
    expect(result.code).toBe(0);
    expect(result.output.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(readFileSync(cache, "utf8")).not.toBe("not a code cache");
    expect(statSync(cache).size).toBeGreaterThan(10_000);
  });

  it("removes the caches of other builds left unused for a week, and only those", async () => {
    const { root, env, builds } = home();
    const build = (name: string, daysAgo: number) => {
      const dir = join(root, name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "ps.bin"), "old");
      const then = new Date(Date.now() - daysAgo * 24 * 3600 * 1000);
      utimesSync(dir, then, then);
      return dir;
    };
    const stale = build("0123456789abcdef-v20.0.0-x64", 8);
    // Another install in use (a global berth beside the project's, say) keeps its cache.
    const inUse = build("fedcba9876543210-v20.0.0-x64", 1);
    await runBerth(["--version"], { cwd: tempProject(), env });
    expect(builds()).toHaveLength(2);
    expect(builds()).toContain(inUse);
    expect(builds()).not.toContain(stale);
  });

  it("holds jiti's compiled code too once a TypeScript config was loaded", async () => {
    const { env, builds } = home();
    const project = tempProject({
      "berth.config.ts": `const services: Record<string, { command: string; port: false }> = {
  job: { command: "true", port: false },
};
export default { services };
`,
    });
    const result = await runBerth(["exec", "--", "true"], { cwd: project, env });
    expect(result.code).toBe(0);
    const files = readdirSync(builds()[0]!);
    expect(files).toContain("exec.bin");
    expect(files.some((name) => /^jiti\.cjs-\d+-\d+\.bin$/.test(name))).toBe(true);
    // And a second run loads the config with it.
    const again = await runBerth(["exec", "--", "true"], { cwd: project, env });
    expect(again.code).toBe(0);
  });

  it("is off with NODE_DISABLE_COMPILE_CACHE, as Node's own", async () => {
    const { env, builds } = home();
    const result = await runBerth(["--version"], {
      cwd: tempProject(),
      env: { ...env, NODE_DISABLE_COMPILE_CACHE: "1" },
    });
    expect(result.code).toBe(0);
    expect(builds()).toEqual([]);
  });
});
