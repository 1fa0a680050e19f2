import { describe, expect, test } from "vitest";
import { plural } from "../../plural.js";
import { table } from "./table.js";

describe("table", () => {
  test("pads columns to their widest cell, without trailing spaces", () => {
    expect(
      table([
        ["NAME", "STATE", "URL"],
        ["api", "ready", "http://x"],
        ["worker", "ready", ""],
      ]),
    ).toBe("NAME    STATE  URL\napi     ready  http://x\nworker  ready");
  });

  test("with dropEmpty, leaves out a column with nothing below its header", () => {
    const rows = [
      ["NAME", "DASHBOARD", "STATE"],
      ["api", "", "ready"],
      ["db", "", "failed"],
    ];
    expect(table(rows, { dropEmpty: true })).toBe("NAME  STATE\napi   ready\ndb    failed");
    expect(table(rows)).toContain("DASHBOARD");
  });
});

describe("plural", () => {
  test("one is singular; zero and more are plural", () => {
    expect([0, 1, 2].map((n) => plural(n, "service"))).toEqual([
      "0 services",
      "1 service",
      "2 services",
    ]);
    expect(plural(1, "process", "processes")).toBe("1 process");
    expect(plural(3, "process", "processes")).toBe("3 processes");
  });
});
