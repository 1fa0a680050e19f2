import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
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

describe("the CLI's code cache", () => {
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

  it("removes the caches of other builds once it writes its own", async () => {
    const { root, env, builds } = home();
    const old = join(root, "0123456789abcdef-v20.0.0-x64");
    mkdirSync(old, { recursive: true });
    writeFileSync(join(old, "ps.bin"), "old");
    await runBerth(["--version"], { cwd: tempProject(), env });
    expect(builds()).toHaveLength(1);
    expect(builds()[0]).not.toBe(old);
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
