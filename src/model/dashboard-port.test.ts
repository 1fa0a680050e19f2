import { once } from "node:events";
import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { holdDashboardPort } from "./dashboard-port.js";
import { releaseAll, type PortAllocation } from "./ports.js";

const servers: Server[] = [];
const allocations: PortAllocation[] = [];

afterEach(async () => {
  await releaseAll(allocations.splice(0));
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A port taken by a server in this process. */
async function taken(): Promise<number> {
  const server = createServer();
  servers.push(server);
  server.listen({ port: 0, host: "127.0.0.1" });
  await once(server, "listening");
  return (server.address() as { port: number }).port;
}

/** A port that was free a moment ago. */
async function free(): Promise<number> {
  const port = await taken();
  await new Promise((r) => servers.pop()!.close(r));
  return port;
}

async function hold(wanted: number | undefined, saved: number | undefined) {
  const allocation = await holdDashboardPort(wanted, saved);
  allocations.push(allocation);
  return allocation;
}

describe("holdDashboardPort", () => {
  it("takes the port the config asks for, silently", async () => {
    const port = await free();
    const got = await hold(port, undefined);
    expect(got).toMatchObject({ port });
    expect(got.note).toBeUndefined();
  });

  it("keeps last run's port when the config names none", async () => {
    const port = await free();
    const got = await hold(undefined, port);
    expect(got.port).toBe(port);
    expect(got.note).toBeUndefined();
  });

  it("falls back to last run's port, then any, and says why", async () => {
    const wanted = await taken();
    const saved = await free();
    const got = await hold(wanted, saved);
    expect(got.port).toBe(saved);
    expect(got.note).toMatch(
      new RegExp(`^port ${wanted} is in use.*; using ${saved}$`.replace(/[()]/g, "\\$&")),
    );

    const savedTaken = await taken();
    const other = await hold(wanted, savedTaken);
    expect([wanted, savedTaken]).not.toContain(other.port);
    expect(other.note).toContain(`port ${savedTaken} (saved from the last run) is in use`);
  });

  it("asks the OS when there is nothing to keep", async () => {
    const got = await hold(undefined, undefined);
    expect(got.port).toBeGreaterThan(0);
    expect(got.note).toBeUndefined();
  });
});
