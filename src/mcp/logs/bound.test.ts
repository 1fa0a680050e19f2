import { describe, expect, it } from "vitest";
import { cutLine, keepLatest, MAX_ANSWER_CHARS, MAX_LINE_CHARS } from "./bound.js";

describe("log bounds", () => {
  it("cuts a long line and says by how much", () => {
    expect(cutLine("short")).toBe("short");
    const long = "x".repeat(MAX_LINE_CHARS + 10);
    expect(cutLine(long)).toBe(`${"x".repeat(MAX_LINE_CHARS)}… [10 more characters]`);
  });

  it("keeps the latest lines that fit, and counts the rest", () => {
    const line = "y".repeat(999); // 1000 characters with its newline
    const lines = Array.from({ length: MAX_ANSWER_CHARS / 1000 + 5 }, (_, i) =>
      `${i}`.padEnd(999, "y"),
    );
    const { kept, dropped } = keepLatest(lines, (l) => l);
    expect(dropped).toBe(5);
    expect(kept[0]).toBe(lines[5]);
    expect(kept.at(-1)).toBe(lines.at(-1));
    expect(keepLatest([line], (l) => l)).toEqual({ kept: [line], dropped: 0 });
  });
});
