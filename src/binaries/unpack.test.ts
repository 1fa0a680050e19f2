import {
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import type { BinaryArchive } from "../config/normalized.js";
import { isBerthError } from "../errors.js";
import { rawTarGz, tarGz, toolScript, zip, type RawEntry } from "./fixtures.test-helper.js";
import { unpack } from "./unpack.js";

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "berth-unpack-"));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

function unpackBuffer(archive: BinaryArchive, data: Buffer, path: string) {
  const file = join(work, "download");
  writeFileSync(file, data);
  return unpack({ archive, file, dir: join(work, "root"), path, label: "tool 1.0.0" });
}

async function refusal(archive: BinaryArchive, data: Buffer, path = "tool") {
  const error = await unpackBuffer(archive, data, path).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isBerthError(error, "BINARY_UNPACK_FAILED"))
    throw new Error(`expected BINARY_UNPACK_FAILED, got ${String(error)}`);
  return error;
}

/** Everything under the work folder except the download: what an archive managed to write. */
function written(): string[] {
  return readdirSync(work, { recursive: true, encoding: "utf8" })
    .filter((p) => p !== "download")
    .sort();
}

describe("unpack", () => {
  test("none: the download is the executable, moved into place and made executable", async () => {
    const executable = await unpackBuffer("none", Buffer.from(toolScript("1.0.0")), "tool");
    expect(executable).toBe(join(work, "root", "tool"));
    expect(lstatSync(executable).mode & 0o777).toBe(0o755);
    expect(existsSync(join(work, "download"))).toBe(false);
  });

  test("tar.gz: nested folders; the executable gets 0755 whatever the archive said", async () => {
    const archive = await tarGz({
      "tool-1.0.0/bin/tool": { content: toolScript("1.0.0"), mode: 0o644 },
      "tool-1.0.0/lib/helper": { content: "#!/bin/sh\n", mode: 0o755 },
      "tool-1.0.0/README": { content: "hi" },
    });
    const executable = await unpackBuffer("tar.gz", archive, "tool-1.0.0/bin/tool");
    expect(executable).toBe(join(work, "root", "tool-1.0.0", "bin", "tool"));
    expect(lstatSync(executable).mode & 0o777).toBe(0o755);
    expect(lstatSync(join(work, "root", "tool-1.0.0", "lib", "helper")).mode & 0o111).not.toBe(0);
  });

  test("zip: modes and in-archive links survive", async () => {
    const archive = zip({
      "dist/tool": { content: toolScript("1.0.0"), mode: 0o755 },
      "dist/helper": { content: "#!/bin/sh\n", mode: 0o750 },
      "dist/current": { content: "tool", symlink: true },
      "dist/notes.txt": { content: "hi" },
    });
    const executable = await unpackBuffer("zip", archive, "dist/current");
    expect(readFileSync(executable, "utf8")).toBe(toolScript("1.0.0"));
    expect(readlinkSync(join(work, "root", "dist", "current"))).toBe("tool");
    expect(lstatSync(join(work, "root", "dist", "helper")).mode & 0o777).toBe(0o750);
    expect(lstatSync(join(work, "root", "dist", "notes.txt")).mode & 0o777).toBe(0o644);
  });

  const hostile: [string, RawEntry[], string][] = [
    [
      "a ../ path",
      [{ path: "../evil", content: "x" }],
      '"../evil" would be written outside the binary\'s folder',
    ],
    [
      "a path that climbs out after going in",
      [{ path: "bin/../../evil", content: "x" }],
      '"bin/../../evil" would be written outside the binary\'s folder',
    ],
    [
      "an absolute path",
      [{ path: "/tmp/evil", content: "x" }],
      '"/tmp/evil" would be written outside the binary\'s folder',
    ],
    [
      "a symlink pointing outside",
      [{ path: "bin/etc", symlink: "../../../etc" }],
      '"bin/etc" is a link to "../../../etc", outside the binary\'s folder',
    ],
    [
      "an absolute symlink",
      [{ path: "passwd", symlink: "/etc/passwd" }],
      '"passwd" is a link to "/etc/passwd", outside the binary\'s folder',
    ],
    [
      "a hard link outside",
      [{ path: "x", hardlink: "../../etc/passwd" }],
      '"x" is a hard link to "../../etc/passwd", outside the binary\'s folder',
    ],
  ];
  test.each(hostile)(
    "tar.gz with %s is refused whole, writing nothing",
    async (_name, entries, problem) => {
      const error = await refusal(
        "tar.gz",
        rawTarGz([{ path: "tool", content: toolScript("1"), mode: 0o755 }, ...entries]),
      );
      expect(error.message).toBe(
        `Refused to unpack tool 1.0.0: ${problem}. Nothing was installed; the archive is broken or malicious, so report it to its publisher rather than working around it.`,
      );
      expect(written()).toEqual(["root"]);
    },
  );

  test("zip with ../ entries or a link outside is refused whole", async () => {
    const archive = zip({
      tool: { content: toolScript("1") },
      "../evil": { content: "x" },
      link: { content: "/etc", symlink: true },
    });
    const error = await refusal("zip", archive);
    expect(error.message).toContain(
      '"../evil" would be written outside the binary\'s folder; "link" is a link to "/etc"',
    );
    expect(error.details).toEqual([
      '"../evil" would be written outside the binary\'s folder',
      '"link" is a link to "/etc", outside the binary\'s folder',
    ]);
    expect(written()).toEqual(["root"]);
  });

  test("a `path` that is not a file (here a link to a folder) is refused", async () => {
    const error = await refusal("tar.gz", rawTarGz([{ path: "bin", symlink: "." }]), "bin");
    expect(error.message).toBe(
      '"bin" in the archive of tool 1.0.0 is not a file; fix the binary\'s `path`.',
    );
  });

  test("a wrong path lists what the archive holds", async () => {
    const archive = await tarGz({ "tool-1.0.0/bin/tool": { content: toolScript("1") } });
    const error = await refusal("tar.gz", archive, "bin/tool");
    expect(error.message).toBe(
      "The archive of tool 1.0.0 has no \"bin/tool\"; fix the binary's `path` (it is relative to the archive's top).",
    );
    expect(error.details).toEqual(["The archive holds:", "  tool-1.0.0/bin/tool"]);
  });

  test("a download that is not the archive it should be", async () => {
    const error = await refusal("tar.gz", Buffer.from("<html>Not found</html>"));
    expect(error.message).toMatch(
      /^Could not unpack tool 1\.0\.0 as a tar\.gz archive \(.+\); check the binary's `archive` and `url`\.$/,
    );
    const zipError = await refusal("zip", Buffer.from("<html>Not found</html>"));
    expect(zipError.message).toMatch(/^Could not unpack tool 1\.0\.0 as a zip archive/);
  });
});
