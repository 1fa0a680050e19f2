import { writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../../test/helpers/processes.js";
import { runtimeDir } from "./address.js";
import {
  ControlClosedError,
  ControlConnectError,
  UnresponsiveError,
  isControlError,
} from "./errors.js";
import { rejection } from "../../test/helpers/errors.js";
import { frame, SECRET, SERVICES } from "./control.test-helper.js";
import { startFakeHost, type FakeHost } from "./fake-target.js";
import { queryHost } from "./query.js";

const hosts: FakeHost[] = [];
const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(hosts.splice(0).map((host) => host.server.close()));
  await Promise.all(
    servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))),
  );
});

const pathFor = (name: string) => join(runtimeDir(), name);

const FULL_ANSWER = {
  capabilities: ["berth.v1"],
  version: "0.1.0",
  hostInfo: { appHostPath: "/p/berth.config.ts" },
  services: [],
};

async function fakeHost(): Promise<FakeHost> {
  const host = await startFakeHost({
    services: SERVICES,
    secrets: [SECRET],
  });
  hosts.push(host);
  return host;
}

/** A listener that hands every connection to `onConnection` (a host that misbehaves). */
async function listener(
  name: string,
  onConnection: (socket: Socket) => void,
  options: { allowHalfOpen?: boolean } = {},
): Promise<string> {
  const path = pathFor(name);
  const server = createServer(options, onConnection);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return path;
}

describe("queryHost", () => {
  it("answers the host's info and its services, masked, then leaves no session open", async () => {
    const { target, server, address } = await fakeHost();
    const snapshot = await queryHost(address.socketPath, { client: "test" });
    expect(snapshot.capabilities).toEqual(["berth.v1"]);
    expect(snapshot.hostVersion).toBe("0.1.0");
    expect(await snapshot.info()).toEqual(target.info());
    const services = await snapshot.services();
    expect(services.map((s) => s.name)).toEqual(["api", "worker"]);
    expect(services[0]!.command).toBe("node api.js --admin-key ***0a08");
    await waitFor(() => server.stats().connections === 0, "the host to see the client go");
  });

  it("asks one question in one write and needs one answer", async () => {
    const chunks: string[] = [];
    const path = await listener("one.sock", (socket) =>
      socket.on("data", (chunk) => {
        chunks.push(chunk.toString());
        socket.write(
          frame({
            jsonrpc: "2.0",
            id: 0,
            result: {
              capabilities: ["berth.v1"],
              version: "0.1.0",
              hostInfo: { appHostPath: "/p/berth.config.ts" },
              services: [],
            },
          }),
        );
      }),
    );
    const snapshot = await queryHost(path);
    expect((await snapshot.info()).appHostPath).toBe("/p/berth.config.ts");
    expect(chunks).toHaveLength(1);
    const [header, body] = chunks[0]!.split("\r\n\r\n");
    expect(header).toBe(`Content-Length: ${Buffer.byteLength(body!)}`);
    expect(JSON.parse(body!)).toMatchObject({
      method: "getCapabilities",
      params: { capabilities: ["berth.v1"], include: ["hostInfo", "services"], close: true },
    });
  });

  it("tells a missing socket from a refused one, like connectControl", async () => {
    const missing = await rejection(queryHost(pathFor("nothing.sock")));
    expect(missing).toBeInstanceOf(ControlConnectError);
    expect((missing as ControlConnectError).kind).toBe("missing");
    const plain = pathFor("plain.sock");
    writeFileSync(plain, "not a socket");
    const refused = await rejection(queryHost(plain));
    expect((refused as ControlConnectError).kind).toBe("refused");
  });

  it("reports a listener that accepts but never answers as unresponsive, in time", async () => {
    const path = await listener("mute.sock", (socket) => socket.on("data", () => {}));
    const started = Date.now();
    const error = await rejection(queryHost(path, { timeoutMs: 200 }));
    expect(error).toBeInstanceOf(UnresponsiveError);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it("reports a host that hangs up before answering as closed", async () => {
    const path = await listener("drop.sock", (socket) => socket.on("data", () => socket.destroy()));
    expect(await rejection(queryHost(path))).toBeInstanceOf(ControlClosedError);
  });

  it("passes on an error the host answers with", async () => {
    const path = await listener("error.sock", (socket) =>
      socket.once("data", () =>
        socket.write(
          frame({ jsonrpc: "2.0", id: 0, error: { code: -32004, message: "stopping" } }),
        ),
      ),
    );
    const error = await rejection(queryHost(path));
    expect(isControlError(error, "shuttingDown")).toBe(true);
    expect(error.message).toBe("stopping");
  });

  it("reports a host with no capability in common as incompatible", async () => {
    const path = await listener("future.sock", (socket) =>
      socket.once("data", () =>
        socket.write(
          frame({
            jsonrpc: "2.0",
            id: 0,
            result: { capabilities: ["berth.v2"], version: "9.0.0" },
          }),
        ),
      ),
    );
    const error = await rejection(queryHost(path));
    expect((error as ControlConnectError).kind).toBe("incompatible");
  });

  it("asks a host from before `include` the two questions separately", async () => {
    const asked: string[] = [];
    const path = await listener("old.sock", (socket) => {
      let buffered = "";
      socket.on("data", (chunk) => {
        buffered += chunk.toString();
        for (const match of buffered.matchAll(/\{"jsonrpc".*?\}(?=Content-Length|$)/g)) {
          const { id, method } = JSON.parse(match[0]) as { id: number; method: string };
          asked.push(method);
          const result =
            method === "getCapabilities"
              ? { capabilities: ["berth.v1"], version: "0.0.9" }
              : method === "getHostInfo"
                ? { appHostPath: "/p/old/berth.config.ts" }
                : { services: [{ name: "api" }] };
          socket.write(frame({ jsonrpc: "2.0", id, result }));
        }
        buffered = "";
      });
    });
    const snapshot = await queryHost(path);
    expect(snapshot.hostVersion).toBe("0.0.9");
    expect((await snapshot.info()).appHostPath).toBe("/p/old/berth.config.ts");
    expect((await snapshot.services()).map((s) => s.name)).toEqual(["api"]);
    // Knowing nothing of `close`, it kept the connection open for the two other questions.
    expect(asked).toEqual(["getCapabilities", "getHostInfo", "listServices"]);
  });

  it("asks the host to hang up as it answers, and does not end its side first", async () => {
    const seen: string[] = [];
    const path = await listener(
      "last-word.sock",
      (socket) => {
        socket.on("data", (chunk) => {
          const close = JSON.parse(chunk.toString().split("\r\n\r\n")[1]!).params.close;
          seen.push(`question (close: ${close})`);
          // As a host does: closes once the answer is written.
          socket.write(frame({ jsonrpc: "2.0", id: 0, result: FULL_ANSWER }), () =>
            socket.destroy(),
          );
        });
        socket.on("end", () => seen.push("end"));
        socket.on("close", () => seen.push("closed"));
      },
      { allowHalfOpen: true },
    );
    const snapshot = await queryHost(path);
    expect((await snapshot.info()).appHostPath).toBe("/p/berth.config.ts");
    await waitFor(() => seen.includes("closed"), "the connection to close");
    expect(seen).toEqual(["question (close: true)", "closed"]);
  });

  it("does not wait for a host that answers but keeps the connection open", async () => {
    // Like a host from before `close`: it answers, then waits for the client to go.
    let closed = false;
    const path = await listener("keeps-open.sock", (socket) => {
      socket.on("error", () => {});
      socket.on("close", () => (closed = true));
      socket.once("data", () =>
        socket.write(frame({ jsonrpc: "2.0", id: 0, result: FULL_ANSWER })),
      );
    });
    const snapshot = await queryHost(path, { timeoutMs: 5_000 });
    expect((await snapshot.info()).appHostPath).toBe("/p/berth.config.ts");
    // Our side goes as soon as the answer is in.
    await waitFor(() => closed, "the client to hang up", 3_000);
  });

  it("leaves no socket or timer behind, whether the host answers or not", async () => {
    const { address } = await fakeHost();
    const mute = await listener("mute2.sock", (socket) => socket.on("data", () => {}));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const before = process.getActiveResourcesInfo().length;
    await queryHost(address.socketPath, { timeoutMs: 5_000 });
    await rejection(queryHost(mute, { timeoutMs: 100 }));
    // The listeners in this process close their ends once they see the hang-up; a timer
    // left behind by queryHost (5 s) would outlast this wait.
    await waitFor(() => process.getActiveResourcesInfo().length <= before, "no leftovers", 1_000);
  });

  it("ends the session when the answer is not JSON", async () => {
    const path = await listener("garbage.sock", (socket) =>
      socket.once("data", () => socket.write("Content-Length: 5\r\n\r\n{{{{{")),
    );
    expect(await rejection(queryHost(path))).toBeInstanceOf(ControlClosedError);
  });
});
