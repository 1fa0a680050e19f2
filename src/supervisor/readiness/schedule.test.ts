import { describe, expect, it } from "vitest";
import { probeDelay } from "./schedule.js";

describe("probeDelay", () => {
  it("probes at once, then every few milliseconds, growing", () => {
    const delays = Array.from({ length: 9 }, (_, attempt) => probeDelay(attempt, 10));
    expect(delays).toEqual([0, 2, 3, 3, 4, 5, 5, 5, 5]);
  });

  it("caps at 5 ms during the first 2 s, then 10 ms until 5 s", () => {
    expect(probeDelay(100, 0)).toBe(5);
    expect(probeDelay(100, 1_999)).toBe(5);
    expect(probeDelay(100, 2_000)).toBe(10);
    expect(probeDelay(100, 4_999)).toBe(10);
  });

  it("backs off to 100 ms until 30 s, then 500 ms", () => {
    expect(probeDelay(100, 5_000)).toBe(100);
    expect(probeDelay(100, 29_999)).toBe(100);
    expect(probeDelay(100, 30_000)).toBe(500);
    expect(probeDelay(100, 3_600_000)).toBe(500);
  });

  it("keeps the early ramp even when the wait started long ago", () => {
    expect(probeDelay(1, 60_000)).toBe(2);
  });

  it("never waits less than the last probe took", () => {
    expect(probeDelay(100, 0, 40)).toBe(40);
    expect(probeDelay(1, 0, 0.4)).toBe(2);
  });
});
