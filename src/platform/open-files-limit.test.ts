import { describe, expect, it } from "vitest";
import { controlConnectionCap, openFilesLimit } from "./open-files-limit.js";

describe("controlConnectionCap", () => {
  it("leaves a reserve below the limit for the host and its services", () => {
    expect(controlConnectionCap(1, 1024)).toBe(256);
    expect(controlConnectionCap(1, 128)).toBe(60);
    expect(controlConnectionCap(10, 128)).toBe(24);
  });

  it("keeps a few connections under a tiny limit, and 256 without one", () => {
    expect(controlConnectionCap(30, 64)).toBe(8);
    expect(controlConnectionCap(1, undefined)).toBe(256);
  });

  it("reads this process's limit", () => {
    expect(openFilesLimit()).toBeGreaterThan(0);
  });
});
