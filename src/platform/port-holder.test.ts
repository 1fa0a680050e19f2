import { once } from "node:events";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { spawnTracked } from "../../test/helpers/processes.js";
import { describePortHolder } from "./port-holder.js";

const linux = process.platform === "linux";

const LISTENER = `
const server = require("node:net").createServer();
server.listen({ port: 0, host: process.argv[1], ipv6Only: process.argv[1] === "::1" }, () => {
  console.log(server.address().port);
});
`;

/** A child process listening on an OS-chosen port; resolves to its pid and port. */
async function childListening(host: string, env: Record<string, string> = {}) {
  const child = spawnTracked(process.execPath, ["-e", LISTENER, host], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [chunk] = (await once(child.stdout!, "data")) as [Buffer];
  return { pid: child.pid!, port: Number(chunk.toString().trim()) };
}

describe.runIf(linux)("describePortHolder", () => {
  it("names a berth service: PID, command, service, instance and project", async () => {
    const { pid, port } = await childListening("127.0.0.1", {
      BERTH_INSTANCE: "shop-1a2b3c",
      BERTH_SERVICE: "api",
      BERTH_PROJECT: "/home/me/shop",
    });
    const text = await describePortHolder(port);
    expect(text).toMatch(new RegExp(`^PID ${pid} \\(\\S*node -e const server = .*\\)`));
    expect(text).toMatch(
      /\) — service "api" of berth instance "shop-1a2b3c" \(\/home\/me\/shop\)$/,
    );
    // The command line is shortened and kept on one line.
    expect(text).not.toContain("\n");
  });

  it("names any other process by PID and command line", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const text = await describePortHolder(port);
      expect(text).toMatch(new RegExp(`^PID ${process.pid} \\(.+\\)$`));
    } finally {
      server.close();
    }
  });

  it("finds a listener on IPv6 only", async () => {
    const { pid, port } = await childListening("::1");
    expect(await describePortHolder(port)).toMatch(new RegExp(`^PID ${pid} \\(`));
  });

  it("is undefined when nothing listens", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise((resolve) => server.close(resolve));
    expect(await describePortHolder(port)).toBeUndefined();
  });
});
