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

describe("recentLogs of every service", () => {
  function project(files: Record<string, string[]>) {
    const dir = mkdtempSync(join(tmpdir(), "berth-recent-logs-"));
    for (const [name, lines] of Object.entries(files)) {
      writeFileSync(join(dir, `${name}.log`), lines.map((line) => `${line}\n`).join(""));
    }
    let clock = 1000;
    const target = new FakeTarget({
      services: { api: {}, web: {}, quiet: {} },
      now: () => clock,
    });
    const read = (tail: number) =>
      recentLogs({
        target,
        masks: new Masks([]),
        logFile: (service) => (service in files ? join(dir, `${service}.log`) : undefined),
        service: undefined,
        tail,
      }).map((line) => `${line.service}${line.time === null ? " file" : ""}: ${line.text}`);
    const at = (time: number) => {
      clock = time;
    };
    return { target, read, at };
  }

  test("every file's older lines, merged with the rings in time order", () => {
    const { target, read, at } = project({
      api: ["api old", "api 1", "api 3"],
      web: ["web old 1", "web old 2", "web 2"],
      quiet: ["quiet old"],
    });
    at(1);
    target.emitLog("api", ["api 1"]);
    at(2);
    target.emitLog("web", ["web 2"]);
    at(3);
    target.emitLog("api", ["api 3"]);
    expect(read(100)).toEqual([
      // No line of this host's: written before it started.
      "quiet file: quiet old",
      // Just before their service's first line with a time.
      "api file: api old",
      "api: api 1",
      "web file: web old 1",
      "web file: web old 2",
      "web: web 2",
      "api: api 3",
    ]);
  });

  test("bounded: the last `tail` lines of the merge", () => {
    const { target, read, at } = project({ api: ["api old", "api 1"], web: ["web 2"] });
    at(1);
    target.emitLog("api", ["api 1"]);
    at(2);
    target.emitLog("web", ["web 2"]);
    expect(read(2)).toEqual(["api: api 1", "web: web 2"]);
    expect(read(3)).toEqual(["api file: api old", "api: api 1", "web: web 2"]);
    expect(read(0)).toEqual([]);
  });
});
