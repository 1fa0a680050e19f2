import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { MARKER, entryDir } from "./cache.js";
import { ensureBinary } from "./ensure.js";
import {
  binary,
  here,
  serve,
  sha256,
  tempHome,
  toolScript,
  type TestServer,
} from "./fixtures.test-helper.js";
import { listBinaries, pruneBinaries } from "./inventory.js";
import { recordBinaryUse } from "./registry.js";

let home: string;
let projects: string;
let server: TestServer;

beforeEach(async () => {
  home = tempHome();
  projects = mkdtempSync(join(tmpdir(), "berth-projects-"));
  server = await serve();
});
afterEach(async () => {
  await server.close();
  rmSync(home, { recursive: true, force: true });
  rmSync(projects, { recursive: true, force: true });
});

async function install(name: string, version: string) {
  const content = toolScript(version);
  server.routes.set(`/${name}-${version}`, content);
  const spec = binary({
    name,
    version,
    url: server.url(`/${name}-{version}`),
    sha256: { [here]: sha256(content) },
  });
  await ensureBinary(spec, { home, log: () => {} });
}

/** A project folder whose state.json names these binaries, recorded in the registry. */
async function project(name: string, binaries: Record<string, string>): Promise<string> {
  const stateDir = join(projects, name, ".berth");
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(join(stateDir, "state.json"), JSON.stringify({ version: 1, ports: {}, binaries }));
  await recordBinaryUse(stateDir, binaries, { home });
  return join(projects, name);
}

/** Makes an entry look installed `minutes` ago. */
function age(name: string, version: string, minutes: number) {
  const then = new Date(Date.now() - minutes * 60_000);
  utimesSync(join(entryDir(home, name, version), MARKER), then, then);
}

describe("listBinaries", () => {
  test("every cached version with its size, install time and users", async () => {
    await install("tool", "1.0.0");
    await install("tool", "1.10.0");
    await install("tool", "1.2.0");
    await install("db", "16.2");
    const shop = await project("shop", { tool: "1.2.0", db: "16.2" });
    const blog = await project("blog", { tool: "1.2.0" });

    const list = await listBinaries({ home });
    expect(list.map((b) => [b.name, b.version, b.usedBy.sort()])).toEqual([
      ["db", "16.2", [shop]],
      ["tool", "1.0.0", []],
      ["tool", "1.2.0", [blog, shop].sort()],
      ["tool", "1.10.0", []],
    ]);
    const first = list[0]!;
    expect(first.status).toBe("ok");
    expect(first.dir).toBe(entryDir(home, "db", "16.2"));
    expect(first.sizeBytes).toBeGreaterThan(toolScript("16.2").length);
    expect(Date.parse(first.installedAt!)).toBeGreaterThan(Date.now() - 60_000);
  });

  test("an entry whose install never finished is listed as incomplete", async () => {
    mkdirSync(entryDir(home, "tool", "0.9.0"), { recursive: true });
    expect(await listBinaries({ home })).toMatchObject([
      { version: "0.9.0", status: "incomplete", installedAt: null },
    ]);
  });

  test("an empty or missing cache lists nothing", async () => {
    expect(await listBinaries({ home })).toEqual([]);
  });
});

describe("pruneBinaries", () => {
  test("removes versions no project uses; a project counts only while its state.json names the version", async () => {
    for (const version of ["1.0.0", "1.1.0", "1.2.0", "1.3.0"]) await install("tool", version);
    for (const version of ["1.0.0", "1.1.0", "1.2.0"]) age("tool", version, 60);
    const shop = await project("shop", { tool: "1.2.0" });
    // Moved on: its state.json now names 1.2.0, although the registry still says 1.1.0.
    const blog = await project("blog", { tool: "1.1.0" });
    writeFileSync(
      join(blog, ".berth", "state.json"),
      JSON.stringify({ version: 1, ports: {}, binaries: { tool: "1.2.0" } }),
    );
    // Deleted: its registry record names 1.0.0.
    const gone = await project("gone", { tool: "1.0.0" });
    rmSync(gone, { recursive: true });

    const dry = await pruneBinaries({ home, dryRun: true });
    expect(dry.removed.map((b) => b.version)).toEqual(["1.0.0", "1.1.0"]);
    expect(dry.kept.map((b) => [b.version, b.reason])).toEqual([
      ["1.2.0", "in use"],
      ["1.3.0", "recently installed"],
    ]);
    expect(dry.freedBytes).toBe(dry.removed.reduce((sum, b) => sum + b.sizeBytes, 0));
    expect(readdirSync(join(home, "cache", "binaries", "tool")).sort()).toEqual([
      "1.0.0",
      "1.1.0",
      "1.2.0",
      "1.3.0",
    ]);

    const done = await pruneBinaries({ home });
    expect(done.removed.map((b) => b.version)).toEqual(["1.0.0", "1.1.0"]);
    expect(readdirSync(join(home, "cache", "binaries", "tool")).sort()).toEqual(["1.2.0", "1.3.0"]);
    expect(
      (await listBinaries({ home })).find((b) => b.version === "1.2.0")!.usedBy.sort(),
    ).toEqual([blog, shop].sort());
    // The deleted project's record is forgotten.
    expect(readdirSync(join(home, "cache", "binaries", ".projects"))).toHaveLength(2);
  });

  test("a name whose last version goes is removed, with the leftovers of killed installs", async () => {
    await install("tool", "1.0.0");
    age("tool", "1.0.0", 60);
    const staging = join(home, "cache", "binaries", "tool", ".staging-999999999-abc");
    mkdirSync(staging);
    const result = await pruneBinaries({ home });
    expect(result.leftovers).toEqual([staging]);
    expect(existsSync(join(home, "cache", "binaries", "tool"))).toBe(false);
  });

  test("recordBinaryUse with no binaries forgets the project", async () => {
    await install("tool", "1.0.0");
    age("tool", "1.0.0", 60);
    const shop = await project("shop", { tool: "1.0.0" });
    await recordBinaryUse(join(shop, ".berth"), {}, { home });
    expect((await pruneBinaries({ home, dryRun: true })).removed.map((b) => b.version)).toEqual([
      "1.0.0",
    ]);
  });
});
