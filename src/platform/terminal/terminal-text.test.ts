import { describe, expect, it } from "vitest";
import { terminalSafe, terminalSafeLines } from "./terminal-text.js";

describe("terminalSafe", () => {
  it("returns plain text unchanged, tabs and Unicode included", () => {
    const text = "GET /api\t200 – 3 ms ✓";
    expect(terminalSafe(text)).toBe(text);
  });

  it("keeps colours and styles", () => {
    const text = "\x1b[1m\x1b[32mready\x1b[39m\x1b[22m \x1b[38;5;208morange\x1b[0m \x1b[m";
    expect(terminalSafe(text)).toBe(text);
  });

  it("takes out titles, clear screen, cursor moves and other sequences", () => {
    expect(terminalSafe("\x1b]0;pwned\x07before")).toBe("before");
    expect(terminalSafe("\x1b]2;title\x1b\\after")).toBe("after");
    expect(terminalSafe("\x1b[2J\x1b[H\x1b[3;4Hhere\x1b[2K\x1b[1A")).toBe("here");
    expect(terminalSafe("\x1b[?1049hscreen\x1b[?25l")).toBe("screen");
    expect(terminalSafe("\x1bcreset\x1b7\x1b8\x1b(B")).toBe("reset");
    expect(terminalSafe("\x1bPdevice\x1b\\x")).toBe("x");
    expect(terminalSafe("\x9b2J")).toBe("2J"); // C1 CSI: its parameters stay as text
  });

  it("takes out lone control characters and an unfinished sequence", () => {
    expect(terminalSafe("10%\r20%\b\x07 done")).toBe("10%20% done");
    expect(terminalSafe("title \x1b]0;never ends")).toBe("title ");
    expect(terminalSafe("cut \x1b[")).toBe("cut ");
    expect(terminalSafe("cut \x1b")).toBe("cut ");
  });

  it("gives back the same lines when there is nothing to take out", () => {
    const clean = ["one", "\ttwo"];
    expect(terminalSafeLines(clean)).toBe(clean);
    expect(terminalSafeLines(["one", "\x1b[2Jtwo"])).toEqual(["one", "two"]);
  });
});
