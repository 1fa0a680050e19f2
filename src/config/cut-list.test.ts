import { describe, expect, test } from "vitest";
import { cutLines, cutList } from "./cut-list.js";

const names = (n: number) => Array.from({ length: n }, (_, i) => `s${i}`);

describe("cutList", () => {
  test("a short list is whole", () => {
    expect(cutList(["api", "db"])).toBe("api, db");
    expect(cutList(names(20))).toBe(names(20).join(", "));
  });

  test("a long one names the first and counts the rest", () => {
    expect(cutList(names(10_000), 10)).toBe(`${names(10).join(", ")} … and 9,990 more`);
  });
});

describe("cutLines", () => {
  test("keeps up to max lines, then one line counting the rest", () => {
    expect(cutLines(names(3), 3)).toEqual(names(3));
    expect(cutLines(names(10_000), 2)).toEqual(["s0", "s1", "… and 9,998 more"]);
  });
});
