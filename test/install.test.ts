import { execFile } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { spawnTracked } from "./helpers/processes.js";
import { repoRoot, tempProject } from "./helpers/project.js";

const run = promisify(execFile);
const tsc = join(repoRoot, "node_modules", "typescript", "bin", "tsc");
const packageName = "berth-dev";

/** A command's exit code and its stdout and stderr together. */
async function attempt(file: string, args: string[], cwd: string) {
  try {
    const { stdout, stderr } = await run(file, args, { cwd, maxBuffer: 16 << 20 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, output: `${failed.stdout ?? ""}${failed.stderr ?? ""}` };
  }
}

const config = (services: string) => `import { defineConfig } from "${packageName}";

export default defineConfig({
  ${services}: {
    api: { command: "node api.mjs", port: "auto", ready: { http: "/" } },
  },
});
`;

const api = `import { createServer } from "node:http";
createServer((_, response) => response.end("hello from api")).listen(Number(process.env.PORT));
`;

// What a user gets: the packed tarball (as npm would publish it) installed into a project
// of their own, with its own package.json and nothing of this repository around it.
describe("the packed package, installed into a fresh project", () => {
  let project: string;
  let files: string[];

  beforeAll(async () => {
    if (!existsSync(join(repoRoot, "dist", "cli", "berth.cjs"))) {
      throw new Error("berth is not built: run `npm run build` first (npm test does).");
    }
    const packed = tempProject();
    // --ignore-scripts: prepack would rebuild dist/ under the other test files using it.
    const { stdout } = await run(
      "npm",
      ["pack", "--json", "--ignore-scripts", "--pack-destination", packed],
      { cwd: repoRoot },
    );
    const [tarball] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
    files = tarball!.files.map((file) => file.path).sort();

    project = tempProject({
      "package.json": JSON.stringify({ name: "app", private: true, type: "module" }),
      "tsconfig.json": JSON.stringify({
        compilerOptions: {
          strict: true,
          module: "node16",
          moduleResolution: "node16",
          target: "es2022",
          noEmit: true,
          types: [],
        },
        include: ["berth.config.ts"],
      }),
      // A CommonJS project: TypeScript resolves packages the old way (node10), without exports.
      "tsconfig.cjs.json": JSON.stringify({
        compilerOptions: {
          strict: true,
          module: "commonjs",
          moduleResolution: "node10",
          target: "es2022",
          noEmit: true,
          types: [],
        },
        include: ["berth.config.ts"],
      }),
      "berth.config.ts": config("services"),
      "api.mjs": api,
    });
    await run(
      "npm",
      [
        "install",
        "-D",
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
        join(packed, tarball!.filename),
      ],
      { cwd: project },
    );
  }, 120_000);

  it("holds only what runs: the launcher, the CLI bundles, the library entry and its types", () => {
    const expected = ["README.md", "bin/berth.cjs", "dist/cli/berth.cjs", "dist/index.d.ts"];
    expected.push("dist/cli/mcp.cjs", "dist/cli/publish.cjs");
    expected.push("dist/index.js", "package.json");
    const others = files.filter((file) => !expected.includes(file));
    expect(files).toEqual(expect.arrayContaining(expected));
    // Beyond those, only the declarations the public types are made of (and a licence).
    for (const file of others) expect(file).toMatch(/^dist\/.+\.d\.ts$|^LICENSE/);
    for (const file of files) expect(file).not.toMatch(/test|fake|\.map$/);
  });

  it("does not build itself when installed", () => {
    const installed = join(project, "node_modules", packageName, "package.json");
    const manifest = JSON.parse(readFileSync(installed, "utf8")) as {
      scripts?: Record<string, string>;
    };
    for (const script of ["prepare", "preinstall", "install", "postinstall"]) {
      expect(manifest.scripts?.[script]).toBeUndefined();
    }
  });

  it("type-checks a config that imports defineConfig from the package", async () => {
    const { code, output } = await attempt(process.execPath, [tsc, "-p", "."], project);
    expect(output).toBe("");
    expect(code).toBe(0);
  });

  it("type-checks it in a CommonJS project too (moduleResolution node10)", async () => {
    const { code, output } = await attempt(
      process.execPath,
      [tsc, "-p", "tsconfig.cjs.json"],
      project,
    );
    expect(output).toBe("");
    expect(code).toBe(0);
  });

  it("runs `npx berth exec` against that config", async () => {
    const check =
      "fetch(process.env.BERTH_API_URL).then((r) => r.text()).then((t) => console.log(`api says: ${t}`))";
    const berth = spawnTracked("npx", ["--no", "berth", "exec", "--", "node", "-e", check], {
      cwd: project,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    berth.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    berth.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise((resolve) =>
      berth.once("close", (exitCode, signal) => resolve(exitCode ?? signal)),
    );
    expect(output).toContain("api says: hello from api");
    expect(code).toBe(0);
  });

  it("publishes that config with `npx berth publish`: its bundle needs nothing else", async () => {
    const { code, output } = await attempt(
      "npx",
      ["--no", "berth", "publish", "--target", "kubernetes"],
      project,
    );
    expect(output).toContain("Kubernetes files for 1 service in deploy/kubernetes/");
    expect(code).toBe(0);
  });

  it("makes a misspelt top-level field a type error", async () => {
    writeFileSync(join(project, "berth.config.ts"), config("servics"));
    const { code, output } = await attempt(process.execPath, [tsc, "-p", "."], project);
    expect(code).not.toBe(0);
    expect(output).toMatch(/berth\.config\.ts\(4,3\): error TS\d+: .*'servics'/);
  });
});
