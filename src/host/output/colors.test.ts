import { describe, expect, it } from "vitest";
import { colorCodeFor, createStyles, paint, shouldUseColor } from "./colors.js";

const tty = { isTTY: true };
const pipe = { isTTY: false };

describe("shouldUseColor", () => {
  it("colours a terminal, not a pipe or a file", () => {
    expect(shouldUseColor(tty, {})).toBe(true);
    expect(shouldUseColor(pipe, {})).toBe(false);
    expect(shouldUseColor({}, {})).toBe(false);
  });

  it("turns colour off with a non-empty NO_COLOR or TERM=dumb", () => {
    expect(shouldUseColor(tty, { NO_COLOR: "1" })).toBe(false);
    expect(shouldUseColor(tty, { NO_COLOR: "" })).toBe(true);
    expect(shouldUseColor(tty, { TERM: "dumb" })).toBe(false);
  });

  it("lets FORCE_COLOR decide first, either way", () => {
    expect(shouldUseColor(pipe, { FORCE_COLOR: "1" })).toBe(true);
    expect(shouldUseColor(pipe, { FORCE_COLOR: "" })).toBe(true);
    expect(shouldUseColor(pipe, { FORCE_COLOR: "1", NO_COLOR: "1" })).toBe(true);
    expect(shouldUseColor(tty, { FORCE_COLOR: "0" })).toBe(false);
    expect(shouldUseColor(tty, { FORCE_COLOR: "false" })).toBe(false);
  });
});

describe("colorCodeFor", () => {
  it("gives a name the same palette colour every time, never red", () => {
    const names = ["api", "worker", "migrate", "db", "web", "queue", "cache", "auth"];
    for (const name of names) {
      expect(colorCodeFor(name)).toBe(colorCodeFor(name));
      expect([36, 32, 33, 35, 94, 96]).toContain(colorCodeFor(name));
    }
    // Spread over the palette rather than all on one colour.
    expect(new Set(names.map(colorCodeFor)).size).toBeGreaterThan(2);
  });
});

describe("createStyles", () => {
  it("wraps text in ANSI codes when enabled", () => {
    const s = createStyles(true);
    expect(s.red("x")).toBe("\x1b[31mx\x1b[39m");
    expect(s.bold("x")).toBe("\x1b[1mx\x1b[22m");
    expect(s.service("api")("api")).toBe(`\x1b[${colorCodeFor("api")}mapi\x1b[39m`);
    expect(paint.green("ok")).toBe("\x1b[32mok\x1b[39m");
  });

  it("leaves text alone when disabled", () => {
    const s = createStyles(false);
    for (const style of [s.bold, s.dim, s.red, s.yellow, s.green, s.service("api")]) {
      expect(style("plain")).toBe("plain");
    }
  });
});
