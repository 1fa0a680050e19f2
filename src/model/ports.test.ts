import { once } from "node:events";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { spawnTracked } from "../../test/helpers/processes.js";
import { tempProject } from "../../test/helpers/project.js";
import { isBerthError } from "../errors.js";
import {
  allocatePorts,
  holdPort,
  isPortFree,
  releaseAll,
  tryHoldPort,
  type PortAllocation,
} from "./ports.js";

const linux = process.platform === "linux";

const LISTENER = `require("node:net").createServer().listen(Number(process.argv[2]), () => console.log("up"));`;

/** Long command lines are cut to 80 characters in messages. */
function shorten(command: string): string {
  return command.length > 80 ? `${command.slice(0, 77)}...` : command;
}

const servers: Server[] = [];
const allocations: PortAllocation[] = [];

afterEach(async () => {
  await releaseAll(allocations.splice(0));
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** Listens in this process; `ipv6Only` keeps `::` from also taking IPv4. */
async function listenHere(port: number, host: string, ipv6Only = false): Promise<number> {
  const server = createServer();
  servers.push(server);
  server.listen({ port, host, ipv6Only });
  await once(server, "listening");
  return (server.address() as { port: number }).port;
}

/** A run of `count` consecutive ports that are all free now. */
async function freePorts(count: number): Promise<number[]> {
  for (;;) {
    const hold = await tryHoldPort(0);
    if (typeof hold === "string") throw new Error(hold);
    await hold.release();
    const ports = Array.from({ length: count }, (_, i) => hold.port + i);
    if (ports.at(-1)! > 65535) continue;
    if ((await Promise.all(ports.map(isPortFree))).every(Boolean)) return ports;
  }
}

async function allocate(...args: Parameters<typeof allocatePorts>) {
  const result = await allocatePorts(...args);
  allocations.push(...result.values());
  return result;
}

describe("isPortFree", () => {
  it("is true for a free port", async () => {
    const [port] = await freePorts(1);
    expect(await isPortFree(port!)).toBe(true);
  });

  it.each([
    ["127.0.0.1", false],
    ["0.0.0.0", false],
    ["::", true],
    ["::", false],
    ["::1", true],
  ] as const)("is false while something listens on %s (IPv6 only: %s)", async (host, v6only) => {
    const [port] = await freePorts(1);
    await listenHere(port!, host, v6only);
    expect(await isPortFree(port!)).toBe(false);
  });
});

describe("holdPort", () => {
  it("keeps the port from others until released", async () => {
    const [port] = await freePorts(1);
    const hold = (await holdPort(port!))!;
    expect(hold.port).toBe(port);
    await expect(listenHere(port!, "127.0.0.1")).rejects.toMatchObject({ code: "EADDRINUSE" });
    await expect(listenHere(port!, "::")).rejects.toMatchObject({ code: "EADDRINUSE" });
    expect(await holdPort(port!)).toBeUndefined();
    await hold.release();
    await hold.release();
    expect(await isPortFree(port!)).toBe(true);
  });

  it("lets the OS choose with port 0", async () => {
    const hold = await tryHoldPort(0);
    if (typeof hold === "string") throw new Error(hold);
    expect(hold.port).toBeGreaterThan(0);
    expect(await isPortFree(hold.port)).toBe(false);
    await hold.release();
  });
});

describe("allocatePorts", () => {
  it("gives a preferred port when it is free", async () => {
    const [port] = await freePorts(1);
    const ports = await allocate(
      [{ service: "api", request: { mode: "preferred", port: port! } }],
      {},
    );
    expect(ports.get("api")).toEqual({ port, hold: expect.anything() });
    expect(await isPortFree(port!)).toBe(false);
  });

  it("falls back to the saved port, then to the next free one, and says why", async () => {
    const [wanted, next, saved] = await freePorts(3);
    await listenHere(wanted!, "127.0.0.1");

    const withSaved = await allocate(
      [{ service: "api", request: { mode: "preferred", port: wanted! } }],
      { api: saved! },
    );
    expect(withSaved.get("api")?.port).toBe(saved);
    expect(withSaved.get("api")?.note).toMatch(
      new RegExp(
        `^port ${wanted} is in use by PID ${process.pid} \\(.+\\); using ${saved} \\(saved from the last run\\)$`,
      ),
    );
    await releaseAll(allocations.splice(0));

    await listenHere(saved!, "127.0.0.1");
    const withoutSaved = await allocate(
      [{ service: "api", request: { mode: "preferred", port: wanted! } }],
      { api: saved! },
    );
    expect(withoutSaved.get("api")?.port).toBe(next);
    expect(withoutSaved.get("api")?.note).toMatch(new RegExp(`; using ${next}$`));
  });

  it("gives an auto service its saved port, or one the OS chooses", async () => {
    const [saved] = await freePorts(1);
    const again = await allocate([{ service: "worker", request: { mode: "auto" } }], {
      worker: saved!,
    });
    expect(again.get("worker")).toEqual({ port: saved, hold: expect.anything() });
    await releaseAll(allocations.splice(0));

    const fresh = await allocate([{ service: "worker", request: { mode: "auto" } }], {});
    expect(fresh.get("worker")?.note).toBeUndefined();
    expect(fresh.get("worker")?.port).toBeGreaterThan(0);
    await releaseAll(allocations.splice(0));

    await listenHere(saved!, "::");
    const moved = await allocate([{ service: "worker", request: { mode: "auto" } }], {
      worker: saved!,
    });
    expect(moved.get("worker")?.port).not.toBe(saved);
    expect(moved.get("worker")?.note).toMatch(
      new RegExp(
        `^port ${saved} \\(saved from the last run\\) is in use by PID ${process.pid} .*; using \\d+$`,
      ),
    );
  });

  it.runIf(linux)(
    "fails a strict port that is taken, naming the berth service holding it",
    async () => {
      const [port] = await freePorts(1);
      const script = join(tempProject({ "listen.cjs": LISTENER }), "listen.cjs");
      const holder = spawnTracked(process.execPath, [script, String(port)], {
        env: {
          ...process.env,
          BERTH_INSTANCE: "shop-1a2b3c",
          BERTH_SERVICE: "web",
          BERTH_PROJECT: "/home/me/shop",
        },
        stdio: ["ignore", "pipe", "inherit"],
      });
      await once(holder.stdout!, "data");

      const error = await allocatePorts(
        [{ service: "api", request: { mode: "strict", port: port! } }],
        {},
      ).catch((e: unknown) => e);
      expect(isBerthError(error, "PORT_TAKEN")).toBe(true);
      expect((error as Error).message).toBe(
        `services.api.port: port ${port} is already in use by PID ${holder.pid} ` +
          `(${shorten(`${process.execPath} ${script} ${port}`)}) ` +
          `— service "web" of berth instance "shop-1a2b3c" (/home/me/shop). ` +
          "Stop that process, or remove `strictPort` from services.api to let berth pick another port.",
      );
    },
  );

  it("leaves no port held when it fails", async () => {
    const [first, second, taken] = await freePorts(3);
    await listenHere(taken!, "127.0.0.1");
    const error = await allocatePorts(
      [
        { service: "a", request: { mode: "preferred", port: first! } },
        { service: "b", request: { mode: "auto" } },
        { service: "c", request: { mode: "preferred", port: second! } },
        { service: "d", request: { mode: "strict", port: taken! } },
      ],
      { b: second! },
    ).catch((e: unknown) => e);
    expect(isBerthError(error, "PORT_TAKEN")).toBe(true);
    expect((error as Error).message).toMatch(/already in use by PID \d+ /);
    expect(await isPortFree(first!)).toBe(true);
    expect(await isPortFree(second!)).toBe(true);
  });

  it("never gives two services the same port", async () => {
    const [port, saved] = await freePorts(2);
    const ports = await allocate(
      [
        { service: "a", request: { mode: "preferred", port: port! } },
        { service: "b", request: { mode: "preferred", port: port! } },
        { service: "c", request: { mode: "auto" } },
        { service: "d", request: { mode: "auto" } },
        { service: "e", request: { mode: "preferred", port: saved! } },
      ],
      { b: port!, c: saved!, d: saved! },
    );
    const given = [...ports.values()].map((a) => a.port);
    expect(new Set(given).size).toBe(5);
    expect(ports.get("a")?.port).toBe(port);
    expect(ports.get("e")?.port).toBe(saved);
    expect(ports.get("b")?.note).toMatch(
      new RegExp(`^port ${port} went to services.a; using \\d+$`),
    );
  });

  it("fails two strict services on one port", async () => {
    const [port] = await freePorts(1);
    const error = await allocatePorts(
      [
        { service: "a", request: { mode: "strict", port: port! } },
        { service: "b", request: { mode: "strict", port: port! } },
      ],
      {},
    ).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      `services.b.port: port ${port} is also the port of services.a. Give each service its own port.`,
    );
    expect(await isPortFree(port!)).toBe(true);
  });
});
