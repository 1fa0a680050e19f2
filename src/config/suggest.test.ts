import { describe, expect, test } from "vitest";
import { closest, editDistance } from "./suggest.js";

describe("suggest", () => {
  test("edit distance counts a swap of neighbours as one edit", () => {
    expect(editDistance("dependOn", "dependsOn")).toBe(1);
    expect(editDistance("ready", "raedy")).toBe(1);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("same", "same")).toBe(0);
  });

  test("suggests only close candidates, ignoring case", () => {
    const keys = ["command", "cwd", "env", "port", "dependsOn", "stopTimeout"];
    expect(closest("dependOn", keys)).toBe("dependsOn");
    expect(closest("dependson", keys)).toBe("dependsOn");
    expect(closest("stoptimeout", keys)).toBe("stopTimeout");
    expect(closest("comand", keys)).toBe("command");
    expect(closest("colour", keys)).toBeUndefined();
    expect(closest("x", keys)).toBeUndefined();
  });
});
