import { describe, expect, test } from "vitest";
import { lineFilter, linesAfter, timeOf } from "./logs-view.js";

describe("the logs filter", () => {
  test("text matches anywhere, ignoring case", () => {
    const filter = lineFilter("Listening", false);
    expect("test" in filter && filter.test("api listening on :3000")).toBe(true);
    expect("test" in filter && filter.test("api started")).toBe(false);
  });

  test("a regex matches as written; a broken one says why", () => {
    const filter = lineFilter("^line \\d+5$", true);
    expect("test" in filter && ["line 15", "line 16", "xline 25"].filter(filter.test)).toEqual([
      "line 15",
    ]);
    expect(lineFilter("(", true)).toEqual({ error: expect.stringContaining("(") });
    expect("test" in lineFilter("(", false)).toBe(true);
  });

  test("times show the local clock to the millisecond; file lines have none", () => {
    expect(timeOf(new Date(2026, 11, 5, 9, 4, 3, 7).getTime())).toBe("09:04:03.007");
    expect(timeOf(null)).toBe("");
  });
});

describe("live lines after a history", () => {
  const line = (time: number | null, text: string) => ({
    service: "api",
    time,
    stream: "stdout" as const,
    text,
  });

  test("keep only what the history does not hold", () => {
    const history = [line(null, "from the file"), line(10, "a"), line(20, "b")];
    const live = [line(10, "a"), line(20, "b"), line(20, "c"), line(30, "d")];
    expect(linesAfter(history, live)).toEqual([line(20, "c"), line(30, "d")]);
    expect(linesAfter([line(null, "old")], live)).toEqual(live);
  });
});
