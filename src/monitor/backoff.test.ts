import { describe, expect, it } from "vitest";
import { ManualClock } from "../clock.js";
import { Backoff, retryWithBackoff } from "./backoff.js";

const refused = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
const isRefused = (error: unknown) => (error as { code?: string }).code === "ECONNREFUSED";

describe("Backoff", () => {
  it("starts at 10 ms, doubles, caps at 1 s, and shortens the last delay to land on 3 s", async () => {
    const clock = new ManualClock();
    const backoff = new Backoff(clock);
    const delays: number[] = [];
    for (let delay = backoff.next(); delay !== undefined; delay = backoff.next()) {
      delays.push(delay);
      await clock.advance(delay);
    }
    expect(delays).toEqual([10, 20, 40, 80, 160, 320, 640, 1000, 730]);
    expect(clock.now()).toBe(3000);
  });

  it("counts the time attempts take against the 3 s", async () => {
    const clock = new ManualClock();
    const backoff = new Backoff(clock);
    await clock.advance(2995); // one slow attempt
    expect(backoff.next()).toBe(5);
    await clock.advance(5);
    expect(backoff.next()).toBeUndefined();
  });
});

describe("retryWithBackoff", () => {
  it("retries a refused connection at 0, 10, 30… 2270 and 3000 ms, then gives up", async () => {
    const clock = new ManualClock();
    const attempts: number[] = [];
    const result = retryWithBackoff(
      async () => {
        attempts.push(clock.now());
        throw refused;
      },
      { clock, retryable: isRefused },
    );
    const settled = result.catch((error: unknown) => ({ error, at: clock.now() }));
    await clock.advance(2999);
    expect(attempts).toEqual([0, 10, 30, 70, 150, 310, 630, 1270, 2270]);
    await clock.advance(1);
    expect(await settled).toEqual({ error: refused, at: 3000 });
    expect(attempts).toEqual([0, 10, 30, 70, 150, 310, 630, 1270, 2270, 3000]);
    expect(clock.pending).toBe(0);
  });

  it("stops at the first success", async () => {
    const clock = new ManualClock();
    let calls = 0;
    const result = retryWithBackoff(
      async () => {
        if (++calls < 3) throw refused;
        return clock.now();
      },
      { clock, retryable: isRefused },
    );
    await clock.advance(1000);
    expect(await result).toBe(30);
    expect(calls).toBe(3);
  });

  it("throws a failure that is not retryable at once", async () => {
    const clock = new ManualClock();
    const missing = Object.assign(new Error("ENOENT"), { code: "ENOENT" });
    await expect(
      retryWithBackoff(
        async () => {
          throw missing;
        },
        { clock, retryable: isRefused },
      ),
    ).rejects.toBe(missing);
    expect(clock.pending).toBe(0);
  });

  it("stops waiting when aborted", async () => {
    const clock = new ManualClock();
    const abort = new AbortController();
    const result = retryWithBackoff(
      async () => {
        throw refused;
      },
      { clock, retryable: isRefused, signal: abort.signal },
    );
    const settled = result.catch((error: unknown) => error);
    await clock.advance(150);
    abort.abort(new Error("stopped"));
    expect(await settled).toEqual(new Error("stopped"));
    expect(clock.pending).toBe(0);
  });
});
