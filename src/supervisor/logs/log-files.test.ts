import { mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { tempProject } from "../../../test/helpers/project.js";
import { lastLines, serviceLogFiles } from "./log-files.js";

const numbered = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i}`);

describe("lastLines", () => {
  test("the last lines of a file, across the chunks it is read in", () => {
    const dir = tempProject();
    const file = join(dir, "api.log");
    // Long lines, so the tail spans several 64 KiB reads; one multi-byte character on a cut.
    const long = (n: number) => `${n} ${"é".repeat(40_000)}`;
    writeFileSync(file, [1, 2, 3, 4, 5].map(long).join("\n") + "\n");
    expect(lastLines(file, 3)).toEqual([3, 4, 5].map(long));
    expect(lastLines(file, 10)).toEqual([1, 2, 3, 4, 5].map(long));
    expect(lastLines(file, 0)).toEqual([]);
  });

  test("an unfinished last line counts; an empty file has none", () => {
    const dir = tempProject();
    writeFileSync(join(dir, "a.log"), "one\ntwo\nthree");
    expect(lastLines(join(dir, "a.log"), 2)).toEqual(["two", "three"]);
    writeFileSync(join(dir, "b.log"), "");
    expect(lastLines(join(dir, "b.log"), 5)).toEqual([]);
    expect(lastLines(join(dir, "missing.log"), 5)).toEqual([]);
  });

  test("reaches into the rotated files when the current one holds fewer", () => {
    const dir = tempProject();
    const file = join(dir, "api.log");
    writeFileSync(`${file}.2`, numbered(1, 3).join("\n") + "\n");
    writeFileSync(`${file}.1`, numbered(4, 6).join("\n") + "\n");
    writeFileSync(file, numbered(7, 8).join("\n") + "\n");
    expect(lastLines(file, 4)).toEqual(numbered(5, 8));
    expect(lastLines(file, 100)).toEqual(numbered(1, 8));
  });
});

describe("serviceLogFiles", () => {
  test("one per service, rotated copies left out, with when each was last written", () => {
    const dir = join(tempProject(), "logs");
    mkdirSync(dir);
    for (const name of ["api.log", "api.log.1", "db.log", "notes.txt"]) {
      writeFileSync(join(dir, name), "x\n");
    }
    utimesSync(join(dir, "db.log"), 1000, 1000);
    const files = serviceLogFiles(dir).sort((a, b) => a.mtimeMs - b.mtimeMs);
    expect(files.map((f) => f.service)).toEqual(["db", "api"]);
    expect(files[0]).toEqual({ service: "db", file: join(dir, "db.log"), mtimeMs: 1_000_000 });
    expect(serviceLogFiles(join(dir, "none"))).toEqual([]);
  });
});
