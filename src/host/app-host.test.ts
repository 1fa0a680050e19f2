import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { freePort, portIsFree } from "../../test/helpers/app.js";
import { fixturesDir, tempProject } from "../../test/helpers/project.js";
import { runtimeDir } from "../platform/paths.js";
import { resolveConfig } from "../config/index.js";
import { AppHost } from "./app-host.js";

async function openHost(port: number): Promise<AppHost> {
  const dir = tempProject({
    "berth.config.json": JSON.stringify({
      services: {
        api: {
          command: [process.execPath, join(fixturesDir, "server.mjs")],
          port,
          strictPort: true,
          ready: { http: "/" },
        },
      },
    }),
  });
  const config = await resolveConfig({ cwd: dir });
  return AppHost.open({ config, onEvent: () => {} });
}

const runtimeFiles = () => {
  try {
    return readdirSync(runtimeDir());
  } catch {
    return [];
  }
};

describe("AppHost", () => {
  it("opens its control socket with the services and removes it on close", async () => {
    const port = await freePort();
    const host = await openHost(port);
    await host.start();
    expect(runtimeFiles().filter((f) => f.endsWith(".sock"))).toHaveLength(1);
    await host.close();
    expect(runtimeFiles()).toEqual([]);
    expect(await portIsFree(port)).toBe(true);
  });

  it("leaves no socket, sidecar or service behind when closed while still starting", async () => {
    const port = await freePort();
    const host = await openHost(port);
    const starting = host.start();
    // The socket is still being opened (its code loads lazily) and the service is booting.
    await host.close();
    await starting;
    expect(runtimeFiles()).toEqual([]);
    expect(await portIsFree(port)).toBe(true);
    expect(host.supervisor.services().map((s) => s.state)).toEqual(["stopped"]);
    await expect(host.start()).rejects.toThrow(/after close/);
  });
});
