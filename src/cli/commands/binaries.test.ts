import { rmSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { ensureBinary } from "../../binaries/ensure.js";
import {
  binary,
  here,
  serve,
  sha256,
  toolScript,
  type TestServer,
} from "../../binaries/fixtures.test-helper.js";
import { binariesCommand, binariesPruneCommand } from "./binaries.js";

// BERTH_HOME is a temporary folder (test/helpers/setup.ts); the commands read it.
let server: TestServer;
let out: string[];
beforeEach(async () => {
  rmSync(process.env.BERTH_HOME!, { recursive: true, force: true });
  server = await serve();
  out = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    out.push(String(chunk));
    return true;
  });
});
afterEach(async () => {
  vi.restoreAllMocks();
  await server.close();
});

describe("berth binaries", () => {
  test("an empty cache, then a table and JSON of what is cached", async () => {
    expect(await binariesCommand({ json: false })).toBe(0);
    expect(out.join("")).toMatch(/^No binaries are cached \(in .+\)\.\n$/);

    server.routes.set("/tool", toolScript("1.0.0"));
    await ensureBinary(
      binary({ url: server.url("/tool"), sha256: { [here]: sha256(toolScript("1.0.0")) } }),
      {
        log: () => {},
      },
    );
    out = [];
    await binariesCommand({ json: false });
    const [header, row] = out.join("").split("\n");
    expect(header).toMatch(/^NAME\s+VERSION\s+SIZE\s+INSTALLED\s+USED BY$/);
    expect(row).toMatch(/^tool\s+1\.0\.0\s+\d+ B\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+-$/);
    expect(out.join("")).toMatch(/\n\n1 version, \d+ B in /);

    out = [];
    await binariesCommand({ json: true });
    expect(JSON.parse(out.join(""))).toMatchObject([
      { name: "tool", version: "1.0.0", status: "ok", usedBy: [] },
    ]);

    out = [];
    expect(await binariesPruneCommand({ dryRun: true, json: false })).toBe(0);
    expect(out.join("")).toBe(
      "Kept tool 1.0.0: installed less than 10 minutes ago\nNothing to prune.\n",
    );
  });
});
