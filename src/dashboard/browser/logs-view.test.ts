import { describe, expect, test } from "vitest";
import { lineFilter, timeOf } from "./logs-view.js";

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
