import { describe, expect, it } from "vitest";
import { ManualClock } from "../clock.js";
import { Backoff, retryWithBackoff } from "./backoff.js";

const refused = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
const isRefused = (error: unknown) => (error as { code?: string }).code === "ECONNREFUSED";

describe("Backoff", () => {
  it("starts at 100 ms, doubles, caps at 1 s, and shortens the last delay to land on 3 s", async () => {
    const clock = new ManualClock();
    const backoff = new Backoff(clock);
    const delays: number[] = [];
    for (let delay = backoff.next(); delay !== undefined; delay = backoff.next()) {
      delays.push(delay);
      await clock.advance(delay);
    }
    expect(delays).toEqual([100, 200, 400, 800, 1000, 500]);
    expect(clock.now()).toBe(3000);
  });

  it("counts the time attempts take against the 3 s", async () => {
    const clock = new ManualClock();
    const backoff = new Backoff(clock);
    await clock.advance(2900); // one slow attempt
    expect(backoff.next()).toBe(100);
    await clock.advance(100);
    expect(backoff.next()).toBeUndefined();
  });
});

describe("retryWithBackoff", () => {
  it("retries a refused connection at 0, 100, 300, 700, 1500, 2500 and 3000 ms, then gives up", async () => {
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
    expect(attempts).toEqual([0, 100, 300, 700, 1500, 2500]);
    await clock.advance(1);
    expect(await settled).toEqual({ error: refused, at: 3000 });
    expect(attempts).toEqual([0, 100, 300, 700, 1500, 2500, 3000]);
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
    expect(await result).toBe(300);
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
