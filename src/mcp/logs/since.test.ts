import { describe, expect, it } from "vitest";
import { sinceTime } from "./since.js";

const now = Date.parse("2026-12-05T22:00:00.000Z");

describe("sinceTime", () => {
  it("takes a duration back from now, or a time", () => {
    expect(sinceTime("5m", now)).toBe(now - 300_000);
    expect(sinceTime("90s", now)).toBe(now - 90_000);
    expect(sinceTime("2026-12-05T21:00:00Z", now)).toBe(Date.parse("2026-12-05T21:00:00Z"));
    expect(sinceTime(undefined, now)).toBeUndefined();
    expect(sinceTime(" ", now)).toBeUndefined();
  });

  it("says what it expected when it is neither", () => {
    expect(() => sinceTime("yesterday", now)).toThrow(
      'since: "yesterday" is neither a time (ISO 8601, such as 2026-12-05T21:00:00Z) nor a duration back from now (such as 90s, 5m or 1h).',
    );
  });
});
