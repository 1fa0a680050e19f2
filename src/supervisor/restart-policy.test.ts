import { describe, expect, it } from "vitest";
import type { RestartSpec } from "../model/app.js";
import { decideRestart, SPAWN_RETRIES, spawnRetryDelay } from "./restart-policy.js";

const spec = (policy: RestartSpec["policy"]): RestartSpec => ({
  policy,
  maxRestarts: 3,
  windowMs: 10_000,
  initialDelayMs: 100,
  maxDelayMs: 300,
});
const crash = { code: 1, signal: null };
const clean = { code: 0, signal: null };

describe("decideRestart", () => {
  it("follows the policy", () => {
    expect(decideRestart(spec("no"), crash, [], 0)).toEqual({
      restart: false,
      reason: "exited with code 1",
    });
    expect(decideRestart(spec("on-failure"), clean, [], 0)).toMatchObject({ restart: false });
    expect(decideRestart(spec("on-failure"), crash, [], 0)).toMatchObject({ restart: true });
    expect(decideRestart(spec("always"), clean, [], 0)).toMatchObject({ restart: true });
    expect(
      decideRestart(spec("on-failure"), { code: null, signal: "SIGSEGV" }, [], 0),
    ).toMatchObject({ restart: true });
  });

  it("doubles the delay up to the cap, then declares a crash loop", () => {
    const recent: number[] = [];
    const delays = [0, 1, 2].map((i) => decideRestart(spec("always"), crash, recent, i * 1000));
    expect(delays.map((d) => ("delayMs" in d ? d.delayMs : undefined))).toEqual([100, 200, 300]);
    expect(decideRestart(spec("always"), crash, recent, 3000)).toEqual({
      restart: false,
      crashLoop: true,
      reason: "exited with code 1; crash loop: restarted 3 times within 10 s, giving up",
    });
  });

  it("forgets restarts older than the window, so a service that runs a while starts afresh", () => {
    const recent = [0, 1000, 2000];
    expect(decideRestart(spec("always"), crash, recent, 12_500)).toEqual({
      restart: true,
      delayMs: 100,
      attempt: 1,
    });
  });
});

describe("spawnRetryDelay", () => {
  it("backs off on the service's delays, whatever its policy, then gives up", () => {
    const delays = Array.from({ length: SPAWN_RETRIES + 1 }, (_, i) =>
      spawnRetryDelay(spec("no"), i),
    );
    expect(delays).toEqual([100, 200, 300, 300, 300, 300, undefined]);
  });
});
