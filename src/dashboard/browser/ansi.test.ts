import { describe, expect, test } from "vitest";
import { ansiSegments, plainText } from "./ansi.js";

describe("ANSI colours", () => {
  test("split a line into styled runs and drop other escapes", () => {
    expect(ansiSegments("\u001b[31mred\u001b[0m plain\u001b[2K")).toEqual([
      { text: "red", style: { color: "#c91b00" } },
      { text: " plain", style: {} },
    ]);
    expect(ansiSegments("\u001b[1;38;5;196mhot\u001b[38;2;1;2;3mrgb")).toEqual([
      { text: "hot", style: { fontWeight: "bold", color: "rgb(255,0,0)" } },
      { text: "rgb", style: { fontWeight: "bold", color: "rgb(1,2,3)" } },
    ]);
    expect(plainText("\u001b[32mok\u001b[0m done")).toBe("ok done");
  });

  test("drop a title change and a clear screen as a terminal's view does", () => {
    expect(ansiSegments("\u001b]0;pwned\u0007\u001b[2J\u001b[32mok")).toEqual([
      { text: "ok", style: { color: "#00a600" } },
    ]);
    expect(plainText("\u001b]0;pwned\u0007title gone")).toBe("title gone");
  });
});
