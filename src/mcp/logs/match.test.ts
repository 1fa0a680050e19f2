import { describe, expect, it } from "vitest";
import { ToolError } from "../errors.js";
import { matcher } from "./match.js";

describe("matcher", () => {
  it("finds a substring, with or without case", () => {
    expect(matcher("Error")("an Error here")).toBe(true);
    expect(matcher("error")("an Error here")).toBe(false);
    expect(matcher("error", { ignoreCase: true })("an ERROR here")).toBe(true);
  });

  it("takes a regular expression when asked, and says when it is not one", () => {
    expect(matcher("^GET /api/\\d+$", { regex: true })("GET /api/42")).toBe(true);
    expect(matcher("^get", { regex: true, ignoreCase: true })("GET /")).toBe(true);
    // Without regex, the same text is plain.
    expect(matcher("a.c")("abc")).toBe(false);
    expect(() => matcher("(", { regex: true })).toThrow(ToolError);
    expect(() => matcher("(", { regex: true })).toThrow(/not a valid regular expression/);
  });
});
