import { describe, expect, it } from "vitest";
import {
  SERVICE_PALETTE,
  childForceColor,
  createStyles,
  paint,
  servicePalette,
  shouldUseColor,
} from "./colors.js";

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

describe("servicePalette", () => {
  it("gives ten names ten colours in the order asked, the same one again after", () => {
    const colorOf = servicePalette();
    const names = ["web", "api", "worker", "db", "cache", "queue", "mail", "auth", "s3", "cron"];
    const codes = names.map(colorOf);
    expect(codes).toEqual([...SERVICE_PALETTE]);
    expect(new Set(codes).size).toBe(10);
    expect(colorOf("db")).toBe(codes[3]);
    // Never red, which means "error"; then round again.
    expect(codes).not.toContain(31);
    expect(colorOf("eleventh")).toBe(SERVICE_PALETTE[0]);
  });
});

describe("childForceColor", () => {
  const terminal = (depth: number) => ({ isTTY: true, getColorDepth: () => depth });

  it("passes berth's terminal's colour depth on", () => {
    expect(childForceColor(terminal(4), {})).toBe("1");
    expect(childForceColor(terminal(8), {})).toBe("2");
    expect(childForceColor(terminal(24), {})).toBe("3");
  });

  it("says nothing when berth does not colour a terminal, or the user has said", () => {
    expect(childForceColor(pipe, {})).toBeUndefined();
    expect(childForceColor(terminal(8), { TERM: "dumb" })).toBeUndefined();
    expect(childForceColor(terminal(8), { NO_COLOR: "1" })).toBeUndefined();
    expect(childForceColor(terminal(8), { FORCE_COLOR: "0" })).toBeUndefined();
    expect(childForceColor(pipe, { FORCE_COLOR: "1" })).toBeUndefined();
  });
});

describe("createStyles", () => {
  it("wraps text in ANSI codes when enabled", () => {
    const s = createStyles(true);
    expect(s.red("x")).toBe("\x1b[31mx\x1b[39m");
    expect(s.bold("x")).toBe("\x1b[1mx\x1b[22m");
    expect(s.service("api")("api")).toBe(`\x1b[${SERVICE_PALETTE[0]}mapi\x1b[39m`);
    expect(s.service("db")("db")).toBe(`\x1b[${SERVICE_PALETTE[1]}mdb\x1b[39m`);
    expect(paint.green("ok")).toBe("\x1b[32mok\x1b[39m");
  });

  it("leaves text alone when disabled", () => {
    const s = createStyles(false);
    for (const style of [s.bold, s.dim, s.red, s.yellow, s.green, s.service("api")]) {
      expect(style("plain")).toBe("plain");
    }
  });
});
