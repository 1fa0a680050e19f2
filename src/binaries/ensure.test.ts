import { execFileSync, spawnSync } from "node:child_process";
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import type { NormalizedBinary } from "../config/normalized.js";
import { freePort } from "../../test/helpers/app.js";
import { spawnTracked } from "../../test/helpers/processes.js";
import { fixturesDir } from "../../test/helpers/project.js";
import {
  commitEntry,
  entryDir,
  inspectEntry,
  MARKER,
  readMarker,
  writeMarker,
  type BinaryMarker,
} from "./cache.js";
import { ensureBinary, type EnsureBinaryOptions } from "./ensure.js";
import {
  binary,
  here,
  serve,
  sha256,
  slowly,
  tarGz,
  tempHome,
  toolScript,
  zip,
  type TestServer,
} from "./fixtures.test-helper.js";
import { berthFailure } from "../../test/helpers/errors.js";

let home: string;
let server: TestServer;
let logs: string[];

beforeEach(async () => {
  home = tempHome();
  server = await serve();
  logs = [];
});
afterEach(async () => {
  await server.close();
  rmSync(home, { recursive: true, force: true });
});

const options = (extra: Partial<EnsureBinaryOptions> = {}): EnsureBinaryOptions => ({
  home,
  log: (level, text) => logs.push(`${level}: ${text}`),
  ...extra,
});

/** A tar.gz release of the tool served at /tool-<version>.tar.gz, and its spec. */
async function release(version = "1.0.0", extra: Partial<NormalizedBinary> = {}) {
  const archive = await tarGz({
    [`tool-${version}/bin/tool`]: { content: toolScript(version), mode: 0o755 },
  });
  server.routes.set(`/tool-${version}.tar.gz`, archive);
  const spec = binary({
    url: server.url("/tool-{version}.tar.gz"),
    version,
    archive: "tar.gz",
    path: "tool-{version}/bin/tool",
    sha256: { [here]: sha256(archive) },
    ...extra,
  });
  return { archive, spec };
}

const run = (executable: string) => execFileSync(executable, ["--version"], { encoding: "utf8" });
const nameDir = () => join(home, "cache", "binaries", "tool");

describe("ensureBinary", () => {
  test("downloads, verifies, unpacks and checks once; later calls use the cache", async () => {
    const { spec } = await release("1.0.0", {
      arch: { [process.arch]: "cpu" },
      url: server.url("/tool-{version}-{arch}.tar.gz"),
    });
    server.routes.set("/tool-1.0.0-cpu.tar.gz", server.routes.get("/tool-1.0.0.tar.gz")!);

    const first = await ensureBinary(spec, options());
    const dir = entryDir(home, "tool", "1.0.0");
    expect(first).toEqual({
      version: "1.0.0",
      executable: join(dir, "tool-1.0.0/bin/tool"),
      downloaded: true,
    });
    expect(run(first.executable)).toBe("tool 1.0.0\n");
    expect(logs).toEqual([
      `info: Downloading tool 1.0.0 from ${server.url("/tool-1.0.0-cpu.tar.gz")}`,
      expect.stringMatching(/^info: Installed tool 1\.0\.0 \(\d+ B download\) in /),
    ]);
    const marker = (await readMarker(dir))!;
    expect(marker).toMatchObject({
      name: "tool",
      version: "1.0.0",
      verified: true,
      platform: here,
      path: "tool-1.0.0/bin/tool",
      checked: { args: ["--version"] },
    });
    // Nothing but the entry: no staging folder, no lock.
    expect(readdirSync(nameDir())).toEqual(["1.0.0"]);

    logs = [];
    const second = await ensureBinary(spec, options());
    expect(second).toEqual({ ...first, downloaded: false });
    expect(server.hits.get("/tool-1.0.0-cpu.tar.gz")).toBe(1);
    expect(logs).toEqual([]);
    expect((await readMarker(dir))!.checked).toEqual(marker.checked); // not checked again
  });

  test("a zip release", async () => {
    const archive = zip({ "bin/tool": { content: toolScript("2.0.0"), mode: 0o755 } });
    server.routes.set("/tool.zip", archive);
    const spec = binary({
      url: server.url("/tool.zip"),
      version: "2.0.0",
      archive: "zip",
      path: "bin/tool",
      sha256: { [here]: sha256(archive) },
    });
    const { executable } = await ensureBinary(spec, options());
    expect(run(executable)).toBe("tool 2.0.0\n");
  });

  test("a checksum mismatch leaves nothing in the cache", async () => {
    const { spec } = await release("1.0.0");
    const error = await berthFailure(
      ensureBinary({ ...spec, sha256: { [here]: "a".repeat(64) } }, options()),
    );
    expect(error.code).toBe("BINARY_CHECKSUM_MISMATCH");
    expect(error.message).toContain(`expected ${"a".repeat(64)}, got `);
    expect(readdirSync(nameDir())).toEqual([]);
  });

  test("a transfer cut off halfway leaves nothing in the cache", async () => {
    const { spec, archive } = await release("1.0.0");
    server.routes.set("/tool-1.0.0.tar.gz", (_req, res) => {
      res.writeHead(200, { "content-length": archive.length });
      res.write(archive.subarray(0, archive.length >> 1), () => res.socket?.destroy());
    });
    const error = await berthFailure(ensureBinary(spec, options()));
    expect(error.code).toBe("BINARY_DOWNLOAD_FAILED");
    expect(error.message).toContain("the transfer was cut off after");
    expect(readdirSync(nameDir())).toEqual([]);
  });

  test("no digest for this platform: refused before any download, unless insecure", async () => {
    const { spec } = await release("1.0.0");
    const error = await berthFailure(
      ensureBinary({ ...spec, sha256: { "win32-x64": "b".repeat(64) } }, options()),
    );
    expect(error.code).toBe("BINARY_CHECKSUM_MISSING");
    expect(error.exitCode).toBe(3);
    expect(error.message).toBe(
      `The config has no SHA-256 for tool on ${here} (only for win32-x64), so berth will not download it. ` +
        `Add the digest published with the release (binary.sha256: { "${here}": "<64 hex digits>" }), or set \`insecure: true\` to run it unverified.`,
    );
    expect(server.hits.size).toBe(0);

    const result = await ensureBinary({ ...spec, sha256: {}, insecure: true }, options());
    expect(result.downloaded).toBe(true);
    expect(logs[0]).toBe(
      `warn: Downloading tool 1.0.0 without verifying it: the config has no SHA-256 for ${here} and sets \`insecure: true\`.`,
    );
    expect((await readMarker(entryDir(home, "tool", "1.0.0")))!.verified).toBe(false);
  });

  test("offline: the latest version cannot be looked up, so the installed one is used with a warning", async () => {
    const { spec: pinned } = await release("1.0.0");
    server.routes.set("/latest", "v1.0.0\n");
    const spec = { ...pinned, version: "latest", latest: server.url("/latest") };
    expect(await ensureBinary(spec, options())).toMatchObject({
      version: "1.0.0",
      downloaded: true,
    });

    // Offline from here on: the server is gone, and the lookup goes to a port nothing holds
    // (a fresh one, so no kept-alive connection to the old server is reused).
    await server.close();
    const offline = { ...spec, latest: `http://127.0.0.1:${await freePort()}/latest` };
    logs = [];
    const result = await ensureBinary(offline, options({ installedVersion: "1.0.0" }));
    expect(result).toMatchObject({ version: "1.0.0", downloaded: false });
    expect(run(result.executable)).toBe("tool 1.0.0\n");
    expect(logs).toEqual([
      `warn: Could not look up the latest version of tool at ${offline.latest} (connection refused: nothing answers there (is the server down?)); using 1.0.0, the version this project used last time.`,
    ]);

    const error = await berthFailure(ensureBinary(offline, options()));
    expect(error.code).toBe("BINARY_VERSION_UNKNOWN");
  });

  test("latest: a new version is installed next to the old one", async () => {
    await release("1.0.0");
    const { spec: v2 } = await release("2.0.0");
    server.routes.set("/latest", JSON.stringify({ tag_name: "v2.0.0" }));
    const spec = { ...v2, version: "latest", latest: server.url("/latest") };
    const result = await ensureBinary(spec, options({ installedVersion: "1.0.0" }));
    expect(result).toMatchObject({ version: "2.0.0", downloaded: true });
    expect(run(result.executable)).toBe("tool 2.0.0\n");
  });

  const breakages: [string, (dir: string) => void, string][] = [
    [
      "its marker is missing",
      (dir) => rmSync(join(dir, MARKER)),
      "its install did not finish (no marker)",
    ],
    [
      "its executable is missing",
      (dir) => rmSync(join(dir, "tool-1.0.0/bin/tool")),
      "its executable tool-1.0.0/bin/tool is missing",
    ],
    [
      "its executable changed",
      (dir) => appendFileSync(join(dir, "tool-1.0.0/bin/tool"), "# tampered\n"),
      "its executable tool-1.0.0/bin/tool changed since it was installed",
    ],
  ];
  test.each(breakages)(
    "a broken entry (%s) is detected and fetched again",
    async (_name, breakIt, reason) => {
      const { spec } = await release("1.0.0");
      await ensureBinary(spec, options());
      const dir = entryDir(home, "tool", "1.0.0");
      breakIt(dir);
      logs = [];
      const result = await ensureBinary(spec, options());
      expect(result.downloaded).toBe(true);
      expect(run(result.executable)).toBe("tool 1.0.0\n");
      expect(logs[0]).toBe(
        `warn: The cached tool 1.0.0 (${dir}) is not usable: ${reason}; installing it again.`,
      );
      expect(server.hits.get("/tool-1.0.0.tar.gz")).toBe(2);
      expect(readdirSync(nameDir())).toEqual(["1.0.0"]);
    },
  );

  test("a rebuilt release (the config's digest changed) replaces the cached copy", async () => {
    const { spec } = await release("1.0.0");
    await ensureBinary(spec, options());
    const rebuilt = await tarGz({
      "tool-1.0.0/bin/tool": { content: toolScript("1.0.0-rebuilt"), mode: 0o755 },
    });
    server.routes.set("/tool-1.0.0.tar.gz", rebuilt);
    const result = await ensureBinary({ ...spec, sha256: { [here]: sha256(rebuilt) } }, options());
    expect(result.downloaded).toBe(true);
    expect(run(result.executable)).toBe("tool 1.0.0-rebuilt\n");
  });

  test("a binary that cannot run fails its check with the cause; it stays cached, unchecked", async () => {
    const page = "<!doctype html><title>Rate limited</title>";
    server.routes.set("/tool", page);
    const spec = binary({ url: server.url("/tool"), sha256: { [here]: sha256(page) } });
    const error = await berthFailure(ensureBinary(spec, options()));
    expect(error.code).toBe("BINARY_CANNOT_RUN");
    expect(error.message).toMatch(
      /^tool 1\.0\.0 cannot run: it is not a program \(it starts with "<!doctype html>/,
    );
    const dir = entryDir(home, "tool", "1.0.0");
    expect((await readMarker(dir))!.checked).toBeUndefined();
    // Checked again next time (still failing), without downloading again.
    await berthFailure(ensureBinary(spec, options()));
    expect(server.hits.get("/tool")).toBe(1);
    // `check: false` skips it.
    expect((await ensureBinary({ ...spec, check: false }, options())).downloaded).toBe(false);
  });

  test("work folders left by a killed install are cleared", async () => {
    const { spec } = await release("1.0.0");
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid!;
    mkdirSync(join(nameDir(), `.staging-${dead}-abc123`, "root"), { recursive: true });
    writeFileSync(
      join(nameDir(), ".1.0.0.lock"),
      JSON.stringify({ pid: dead, startTime: "1", createdAt: "x" }),
    );
    await ensureBinary(spec, options());
    expect(readdirSync(nameDir())).toEqual(["1.0.0"]);
  });
});

describe("two installs at once", () => {
  test("two real processes: one download, one good copy, both get it", async () => {
    const { archive, spec } = await release("1.0.0");
    // Slow enough that the second process arrives while the first is downloading.
    server.routes.set("/tool-1.0.0.tar.gz", slowly(archive, 8, 200));
    const children = [0, 1].map(() =>
      spawnTracked(
        process.execPath,
        [join(fixturesDir, "ensure-binary.mjs"), JSON.stringify(spec), home],
        {
          stdio: ["pipe", "pipe", "inherit"],
        },
      ),
    );
    const outputs = children.map((child) =>
      createInterface({ input: child.stdout! })[Symbol.asyncIterator](),
    );
    for (const lines of outputs) expect((await lines.next()).value).toBe("ready");
    for (const child of children) child.stdin!.write("go\n");
    const results = await Promise.all(
      outputs.map(
        async (lines) =>
          JSON.parse((await lines.next()).value as string) as {
            result: { executable: string; downloaded: boolean };
            logs: string[];
          },
      ),
    );

    expect(results.map((r) => r.result.executable)).toEqual([
      results[0]!.result.executable,
      results[0]!.result.executable,
    ]);
    expect(results.map((r) => r.result.downloaded).sort()).toEqual([false, true]);
    expect(server.hits.get("/tool-1.0.0.tar.gz")).toBe(1);
    // The other process either waited on the lock, or (starved on a loaded machine) came
    // after the install had finished; either way it downloaded nothing.
    const waiter = results.find((r) => !r.result.downloaded)!;
    if (waiter.logs.length > 0) {
      expect(waiter.logs[0]).toMatch(
        /^info: Waiting for another berth \(PID \d+\) to finish installing tool 1\.0\.0…$/,
      );
    }
    expect(readdirSync(nameDir())).toEqual(["1.0.0"]);
    expect((await inspectEntry(entryDir(home, "tool", "1.0.0"))).state).toBe("ok");
    expect(run(results[0]!.result.executable)).toBe("tool 1.0.0\n");
  });

  test("without the lock, the rename decides: the loser discards its copy", async () => {
    const dir = entryDir(home, "tool", "1.0.0");
    mkdirSync(nameDir(), { recursive: true });
    const stage = async (name: string, content: string) => {
      const root = join(nameDir(), name);
      mkdirSync(root);
      writeFileSync(join(root, "tool"), content, { mode: 0o755 });
      const marker: BinaryMarker = {
        name: "tool",
        version: "1.0.0",
        url: "http://x/",
        sha256: "0".repeat(64),
        verified: true,
        platform: here,
        path: "tool",
        executableSha256: sha256(content),
        installedAt: new Date().toISOString(),
      };
      await writeMarker(root, marker);
      return root;
    };
    const usable = async (d: string) => (await inspectEntry(d)).state === "ok";
    const [a, b] = [await stage(".staging-a", "first"), await stage(".staging-b", "second")];
    // Which rename lands first is up to the scheduler: exactly one wins, the other's copy goes.
    const outcomes = await Promise.all([commitEntry(a, dir, usable), commitEntry(b, dir, usable)]);
    expect([...outcomes].sort()).toEqual(["installed", "kept"]);
    const winner = outcomes[0] === "installed" ? "first" : "second";
    expect(readFileSync(join(dir, "tool"), "utf8")).toBe(winner);
    expect(existsSync(a)).toBe(false);
    expect(existsSync(b)).toBe(false);

    // A broken entry in the way is replaced.
    rmSync(join(dir, MARKER));
    const c = await stage(".staging-c", "third");
    expect(await commitEntry(c, dir, usable)).toBe("installed");
    expect(readFileSync(join(dir, "tool"), "utf8")).toBe("third");
    expect(readdirSync(nameDir())).toEqual(["1.0.0"]);
  });
});
