import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { FakeTarget } from "../../test/helpers/control-host.js";
import { Masks } from "../control/mask.js";
import { recentLogs } from "./recent-logs.js";

function withFile(lines: string[]) {
  const file = join(mkdtempSync(join(tmpdir(), "berth-recent-logs-")), "api.log");
  writeFileSync(file, lines.map((line) => `${line}\n`).join(""));
  const target = new FakeTarget({ services: { api: {} } });
  const read = (tail: number) =>
    recentLogs({
      target,
      masks: new Masks([]),
      logFile: () => file,
      service: "api",
      tail,
    }).map((line) => (line.time === null ? `file: ${line.text}` : line.text));
  return { target, read };
}

describe("recentLogs", () => {
  test("the ring alone when it holds enough lines", () => {
    const { target, read } = withFile(["old", "a", "b"]);
    target.emitLog("api", ["a", "b"]);
    expect(read(2)).toEqual(["a", "b"]);
  });

  test("older lines from the file, berth's own lines between the ring's skipped", () => {
    const { target, read } = withFile(["old 1", "old 2", "a", "--- restarting", "b"]);
    target.emitLog("api", ["a"]);
    target.emitLog("api", ["b"]);
    expect(read(10)).toEqual(["file: old 1", "file: old 2", "a", "b"]);
    expect(read(3)).toEqual(["file: old 2", "a", "b"]);
  });

  test("a line still being written to the file is allowed after the ring's end", () => {
    const { target, read } = withFile(["old", "a", "partial"]);
    target.emitLog("api", ["a"]);
    expect(read(10)).toEqual(["file: old", "a"]);
  });

  test("a file that does not line up with the ring (rotated meanwhile): the ring only", () => {
    const { target, read } = withFile(["x", "y", "z", "w", "v", "u"]);
    target.emitLog("api", ["a", "b"]);
    expect(read(10)).toEqual(["a", "b"]);
  });

  test("no ring lines yet: the file's last lines", () => {
    const { read } = withFile(["1", "2", "3"]);
    expect(read(2)).toEqual(["file: 2", "file: 3"]);
  });
});
