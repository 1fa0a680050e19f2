import { describe, expect, test } from "vitest";
import { checkDuration, parseDuration } from "./duration.js";

describe("parseDuration", () => {
  test.each([
    [1500, 1500],
    [0, 0],
    [12.4, 12],
    ["500ms", 500],
    ["10s", 10_000],
    ["1.5s", 1500],
    [".5s", 500],
    ["2m", 120_000],
    ["1h", 3_600_000],
    [" 3 s ", 3000],
  ])("%j is %d ms", (value, ms) => {
    expect(parseDuration(value)).toBe(ms);
  });

  test.each([
    ["10", '"10" (add a unit)'],
    ["10 seconds", '"10 seconds"'],
    ["-1s", '"-1s"'],
    [-5, "-5"],
    [Number.NaN, "NaN"],
    [true, "true"],
  ])("%j is refused", (value, found) => {
    expect(() => parseDuration(value, "services.api.stopTimeout")).toThrow(
      `services.api.stopTimeout: expected a duration: milliseconds as a number, or a string like "500ms", "10s", "2m"`,
    );
    const result = checkDuration(value);
    expect("problem" in result && result.problem.endsWith(`got ${found}`)).toBe(true);
  });
});

describe("the longest duration", () => {
  test("2^31-1 ms, Node's longest timer, is accepted", () => {
    expect(parseDuration(2 ** 31 - 1)).toBe(2 ** 31 - 1);
    expect(parseDuration("596h")).toBe(596 * 3_600_000);
  });

  test.each([[2 ** 31], ["600h"], ["35792m"], [1e20]])(
    "%j is refused with the limit named",
    (value) => {
      expect(() => parseDuration(value, "services.api.restart.delay")).toThrow(
        "services.api.restart.delay: expected a duration of at most 24 days (2147483647 ms, the longest timer Node keeps), got",
      );
    },
  );
});
