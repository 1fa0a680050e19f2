import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { scanDirs } from "../control/address.js";
import { runtimeDir } from "../platform/paths.js";
import { startFakeHost, type FakeHost } from "../../test/helpers/monitor-host.js";
import { inspectStem, listCandidates, readSidecar, scanHosts } from "./scan.js";

let dir: string;
const hosts: FakeHost[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "bm-"));
});
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((host) => host.close()));
  rmSync(dir, { recursive: true, force: true });
});

describe("scan", () => {
  it("pairs each socket with its sidecar and reads the sidecar", async () => {
    const host = await startFakeHost({ dir, appHostPath: "/p/a/berth.config.ts" });
    hosts.push(host);
    writeFileSync(join(dir, "notes.txt"), "not a host");
    writeFileSync(join(dir, "0123456789abcdef.77.sock"), "plain file");

    const found = scanHosts([dir, join(dir, "missing")]);
    const byPath = Object.fromEntries(found.map((c) => [c.socketPath, c]));
    expect(found).toHaveLength(2);
    expect(byPath[host.socketPath]).toMatchObject({
      dir,
      pid: process.pid,
      socket: "socket",
      hasSidecar: true,
      sidecarPath: host.sidecarPath,
      sidecar: { appHostPath: "/p/a/berth.config.ts", pid: process.pid },
      sidecarInvalid: false,
    });
    expect(byPath[join(dir, "0123456789abcdef.77.sock")]).toMatchObject({
      hash: "0123456789abcdef",
      pid: 77,
      socket: "other",
      hasSidecar: false,
    });
  });

  it("lists a sidecar without a socket (a host that is starting, or one that died)", async () => {
    writeFileSync(join(dir, "0123456789abcdef.77.json"), "{");
    expect(listCandidates(dir)).toEqual([
      expect.objectContaining({ stem: "0123456789abcdef.77", socket: "none", hasSidecar: true }),
    ]);
    expect(inspectStem(dir, "0123456789abcdef.77")).toMatchObject({ sidecarInvalid: true });
  });

  it("treats a sidecar whose PID disagrees with its name as invalid", async () => {
    const path = join(dir, "0123456789abcdef.77.json");
    writeFileSync(path, JSON.stringify({ appHostPath: "/x", pid: 78, processStartTime: "1" }));
    expect(readSidecar(path, 77)).toBe("invalid");
    expect(readSidecar(join(dir, "gone.json"), 77)).toBe("missing");
  });

  it("holds nothing in a folder that does not exist", async () => {
    expect(listCandidates(join(dir, "nope"))).toEqual([]);
  });

  it("scans the runtime dir and the fallback dir by default", async () => {
    const [runtime, fallback] = scanDirs();
    expect(runtime).toBe(runtimeDir());
    mkdirSync(fallback!, { recursive: true });
    const host = await startFakeHost({
      dir: fallback!,
      appHostPath: "/p/fallback/berth.config.ts",
    });
    hosts.push(host);
    expect(scanHosts().map((c) => c.socketPath)).toContain(host.socketPath);
  });
});
