import { describe, expect, it } from "vitest";
import { ManualClock } from "../../clock.js";
import { isBerthError } from "../../errors.js";
import type { ReadyCheck } from "../../model/app.js";
import { freeServerPort as freePort } from "../../../test/helpers/servers.js";
import { describeCheck } from "./describe.js";
import { waitUntilReady, type WaitingNotice } from "./wait-ready.js";

// The check a service with a port and no `ready` gets (see model/plan.ts).
const implied = (port: number): ReadyCheck => ({
  kind: "tcp",
  port,
  timeoutMs: 60_000,
  implied: true,
});

describe("the implied check of a service with a port and no ready check", () => {
  it("says it waits for the port to accept connections", () => {
    expect(describeCheck(implied(4312))).toBe("port 4312 to accept connections");
  });

  it("times out with what to do: a ready check, or port: false", async () => {
    const clock = new ManualClock();
    const port = await freePort();
    const notices: WaitingNotice[] = [];
    let error: unknown;
    const wait = waitUntilReady({
      check: implied(port),
      clock,
      service: "worker",
      signal: new AbortController().signal,
      onWaiting: (notice) => notices.push(notice),
    }).catch((e: unknown) => (error = e));
    // Let the first (real) probe answer; the next one then waits on the manual clock.
    while (clock.pending < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    await clock.advance(60_000);
    await wait;
    expect(notices[0]).toEqual({
      on: `port ${port} to accept connections`,
      elapsedMs: 2_000,
      last: "connection refused",
    });
    expect(isBerthError(error, "READY_TIMEOUT")).toBe(true);
    expect((error as Error).message).toBe(
      `Service worker did not accept connections on its port ${port} within 60 s (last probe: ` +
        "connection refused). It has a port but no `ready` check, so berth waits for the port " +
        "to accept connections: if it does not listen on it, add a `ready` check (such " +
        'as { log: "listening" }) or set `port: false`; if it needs longer, add ready: ' +
        '{ tcp: true, timeout: "2m" }.',
    );
  });
});
