import { describe, expect, it } from "vitest";
import { ManualClock } from "../clock.js";
import { ControlClosedError, ControlConnectError, UnresponsiveError } from "../control/errors.js";
import type { HostDescription, HostInfo } from "../control/protocol.js";
import { failureKind, handshake, SlowHostError, type HostConnection } from "./connection.js";

const path = "/run/berth/0123456789abcdef.4242.sock";

/** A connection whose answers the test controls. */
function connection(answers: { describe?: Promise<HostDescription> } = {}) {
  let closed = 0;
  const client: HostConnection = {
    describe: () =>
      answers.describe ?? Promise.resolve({ host: { pid: 4242 } as HostInfo, services: [] }),
    close: () => void closed++,
    onClose: () => {},
  };
  return { client, closed: () => closed };
}

describe("failureKind", () => {
  it("tells the client's errors and bare errno codes apart", () => {
    const errno = (code: string) => Object.assign(new Error(code), { code });
    expect(failureKind(new ControlConnectError("refused", path, "x"))).toBe("refused");
    expect(failureKind(new ControlConnectError("missing", path, "x"))).toBe("missing");
    expect(failureKind(new ControlConnectError("timeout", path, "x"))).toBe("unresponsive");
    expect(failureKind(new ControlConnectError("incompatible", path, "x"))).toBe("other");
    expect(failureKind(new UnresponsiveError(path, "describeHost", 2000))).toBe("unresponsive");
    expect(failureKind(new ControlClosedError(path, "describeHost"))).toBe("closed");
    expect(failureKind(errno("ECONNREFUSED"))).toBe("refused");
    expect(failureKind(errno("ENOENT"))).toBe("missing");
    expect(failureKind(new Error("wrapped", { cause: errno("ECONNRESET") }))).toBe("closed");
    expect(failureKind(new Error("anything"))).toBe("other");
  });
});

describe("handshake", () => {
  it("connects and asks for info and services", async () => {
    const { client } = connection();
    const result = await handshake(path, { connect: async () => client });
    expect(result).toEqual({ client, info: { pid: 4242 }, services: [] });
  });

  it("gives up on a host that does not answer in time, closing the connection", async () => {
    const clock = new ManualClock();
    const { client, closed } = connection({ describe: new Promise(() => {}) });
    const result = handshake(path, { connect: async () => client, clock, timeoutMs: 2000 });
    const settled = result.catch((error: unknown) => error);
    await clock.advance(1999);
    expect(closed()).toBe(0);
    await clock.advance(1);
    const error = await settled;
    expect(error).toMatchObject({ code: "HOST_UNRESPONSIVE" });
    expect((error as Error).message).toBe(
      `The app host at ${path} accepts connections but did not answer within 2000 ms. ` +
        "It may be hung: wait a moment and try again, or stop its process (pid 4242).",
    );
    expect(closed()).toBe(1);
  });

  it("waits once more when its own deadline fired late (this client was starved of CPU)", async () => {
    const manual = new ManualClock();
    let lag = 0;
    // Time as a starved client sees it: its timer runs well after it was due.
    const clock = { now: () => manual.now() + lag, setTimeout: manual.setTimeout.bind(manual) };
    let answer!: (description: HostDescription) => void;
    const { client } = connection({ describe: new Promise((resolve) => (answer = resolve)) });
    const result = handshake(path, { connect: async () => client, clock, timeoutMs: 2000 });
    lag = 500;
    await manual.advance(2000);
    answer({ host: { pid: 4242 } as HostInfo, services: [] });
    expect(await result).toMatchObject({ info: { pid: 4242 } });
  });

  it("calls a host that does not answer while at work slow, after its extra time", async () => {
    const clock = new ManualClock();
    const { client } = connection({ describe: new Promise(() => {}) });
    const settled = handshake(path, {
      connect: async () => client,
      clock,
      timeoutMs: 2000,
      activity: () => () => true,
    }).catch((error: unknown) => error);
    await clock.advance(10_000);
    const error = await settled;
    expect(error).toBeInstanceOf(SlowHostError);
    expect((error as Error).message).toBe(
      `The app host at ${path} is slow to answer: its process (pid 4242) is at work but did ` +
        "not answer within 10000 ms. Try again in a moment.",
    );
  });

  it("closes a connection that opens only after the timeout", async () => {
    const clock = new ManualClock();
    const { client, closed } = connection();
    let open!: (c: HostConnection) => void;
    const connect = () => new Promise<HostConnection>((resolve) => (open = resolve));
    const settled = handshake(path, { connect, clock, timeoutMs: 100 }).catch((e: unknown) => e);
    await clock.advance(100);
    expect(await settled).toMatchObject({ code: "HOST_UNRESPONSIVE" });
    open(client);
    await clock.advance(0);
    expect(closed()).toBe(1);
  });

  it("watches services instead of listing them once when asked and able", async () => {
    const { client } = connection();
    const onChange = () => {};
    let watchedWith: unknown;
    client.watchServices = async (listener) => {
      watchedWith = listener;
      return { host: { pid: 4242 }, services: [{ name: "api" }] } as never;
    };
    const result = await handshake(path, {
      connect: async () => client,
      onServiceChange: onChange,
    });
    expect(watchedWith).toBe(onChange);
    expect(result.services).toEqual([{ name: "api" }]);
  });
});
