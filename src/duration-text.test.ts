import { describe, expect, it } from "vitest";
import { durationText } from "./duration-text.js";

describe("durationText", () => {
  it("says milliseconds under a second and seconds up to a minute", () => {
    expect(durationText(0)).toBe("0 ms");
    expect(durationText(312.4)).toBe("312 ms");
    expect(durationText(2000)).toBe("2 s");
    expect(durationText(1500)).toBe("1.5 s");
    expect(durationText(60_000)).toBe("60 s");
  });

  it("says whole minutes, hours and days above a minute", () => {
    expect(durationText(61_250)).toBe("1 min 1 s");
    expect(durationText(245_000)).toBe("4 min 5 s");
    expect(durationText(3_600_000)).toBe("1 h");
    expect(durationText(2 * 3_600_000 + 10 * 60_000 + 5_000)).toBe("2 h 10 min");
    expect(durationText(3 * 86_400_000 + 4 * 3_600_000)).toBe("3 d 4 h");
  });

  it("never goes below zero (a start time a little in the future)", () => {
    expect(durationText(-5)).toBe("0 ms");
  });
});
