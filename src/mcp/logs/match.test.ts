import { describe, expect, it } from "vitest";
import { ToolError } from "../errors.js";
import { findMatches } from "./match.js";

describe("findMatches", () => {
  it("finds a substring, with or without case", async () => {
    expect(await findMatches("Error", ["an Error here", "an ERROR here"])).toEqual([true, false]);
    expect(await findMatches("error", ["an ERROR here"], { ignoreCase: true })).toEqual([true]);
  });

  it("takes a regular expression when asked, and says when it is not one", async () => {
    expect(await findMatches("^GET /api/\\d+$", ["GET /api/42", "GET /"], { regex: true })).toEqual(
      [true, false],
    );
    expect(await findMatches("^get", ["GET /"], { regex: true, ignoreCase: true })).toEqual([true]);
    // Without regex, the same text is plain.
    expect(await findMatches("a.c", ["abc"])).toEqual([false]);
    await expect(findMatches("(", [], { regex: true })).rejects.toThrow(ToolError);
    await expect(findMatches("(", [], { regex: true })).rejects.toThrow(
      /not a valid regular expression/,
    );
  });

  it("stops a regular expression that backtracks without end, and says why", async () => {
    const texts = [`${"a".repeat(40)}!`];
    await expect(findMatches("^(a+)+$", texts, { regex: true, timeLimitMs: 200 })).rejects.toThrow(
      /took longer than 0.2 s over 1 lines, so it was stopped/,
    );
    // The search that follows is answered as usual.
    expect(await findMatches("a+!", texts, { regex: true })).toEqual([true]);
  });
});
