/**
 * The host's side of a connection and the client, linked in memory: what a client sees
 * when no socket is involved (the socket's own behaviour is in server.test.ts).
 */
import { afterEach, describe, expect, it } from "vitest";
import { memoryTransportPair } from "../../test/helpers/memory-transport.js";
import { FakeTarget, SECRET, SERVICES } from "../../test/helpers/control-host.js";
import { rejection } from "../../test/helpers/errors.js";
import { waitFor } from "../../test/helpers/processes.js";
import { ManualClock, systemClock } from "../clock.js";
import { openClient, type ControlClient } from "./client.js";
import { ControlClosedError, ControlError, UnresponsiveError } from "./errors.js";
import { Masks } from "./mask.js";
import { RpcErrorCode, type LogLinesParams } from "./protocol.js";
import { DEFAULT_LIMITS, Session } from "./session.js";

const clients: ControlClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

/** A host over a fake target and a client, linked in memory. */
async function linked() {
  const target = new FakeTarget({ services: SERVICES });
  const [hostEnd, clientEnd] = memoryTransportPair();
  const session = new Session(hostEnd, {
    target,
    clock: systemClock,
    masks: new Masks([SECRET]),
    limits: DEFAULT_LIMITS,
    log: () => {},
  });
  const client = await openClient(clientEnd, "memory", { client: "test" });
  clients.push(client);
  return { target, session, client, hostEnd };
}

describe("a client linked to a host in memory", () => {
  it("negotiates berth.v1 and gets answers with the secret masked", async () => {
    const { client, target } = await linked();
    expect(client.capabilities).toEqual(["berth.v1", "berth.hold"]);
    const { host, services } = await client.describe();
    expect(host).toEqual(target.info());
    const [api] = services;
    expect(api!.command).toBe("node api.js --admin-key ***0a08");
    target.emitLog("api", [`token ${SECRET}`]);
    expect((await client.logs({ service: "api" })).map((line) => line.text)).toEqual([
      "token ***0a08",
    ]);
  });

  it("holds the host while the connection lasts", async () => {
    const { client, target } = await linked();
    expect(await client.hold("berth exec (pid 42)")).toBe(true);
    expect([...target.holders]).toEqual(["berth exec (pid 42)"]);
    await client.close();
    await waitFor(() => target.holders.size === 0, "the hold to end with the connection");
  });

  it("masks the secret in errors too", async () => {
    const { client, target } = await linked();
    target.beforeAction = async () => {
      throw new ControlError(RpcErrorCode.invalidState, `cannot start with ${SECRET}`);
    };
    const error = await rejection(client.startService("api"));
    expect(error).toBeInstanceOf(ControlError);
    expect((error as ControlError).message).toBe("cannot start with ***0a08");
  });

  it("gets notifications after following, masked, until it closes", async () => {
    const { client, target } = await linked();
    const batches: LogLinesParams[] = [];
    expect(await client.followLogs({ service: "api" }, (batch) => batches.push(batch))).toEqual([]);
    target.emitLog("worker", ["not followed"]);
    target.emitLog("api", [`key=${SECRET}`]);
    await waitFor(() => batches.length === 1, "a batch");
    expect(batches[0]!.lines.map((line) => line.text)).toEqual(["key=***0a08"]);
    await client.close();
    await waitFor(() => target.subscribers === 0, "the follow to end with the connection");
  });

  it("rejects a pending call when the host's end goes away, and says it was lost", async () => {
    const { client, target, hostEnd, session } = await linked();
    const reasons: string[] = [];
    client.onClose((reason) => reasons.push(reason));
    let begun = false;
    target.beforeAction = () => ((begun = true), new Promise(() => {}));
    const pending = rejection(client.stopService("api"));
    await waitFor(() => begun, "the stop to begin");
    hostEnd.destroy();
    expect(await pending).toBeInstanceOf(ControlClosedError);
    expect(reasons).toEqual(["lost"]);
    await session.transport.closed;
  });

  it("reports a host that never answers as unresponsive once its timeout runs out", async () => {
    const clock = new ManualClock();
    // Nobody serves the other end: the question is read by no one.
    const [, clientEnd] = memoryTransportPair();
    const opening = rejection(openClient(clientEnd, "silent", { clock, timeoutMs: 2000 }));
    await clock.advance(1999);
    let settled = false;
    void opening.then(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    await clock.advance(1);
    const error = await opening;
    expect(error).toBeInstanceOf(UnresponsiveError);
    expect((error as Error).message).toMatch(/did not answer getCapabilities within 2000 ms/);
  });
});
