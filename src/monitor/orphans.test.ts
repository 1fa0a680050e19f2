import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../clock.js";
import { appHostHash, socketStem } from "../control/address.js";
import { processStartTime } from "../platform/process-info.js";
import {
  deadPid,
  staleSocket,
  startFakeHost,
  writeSidecar,
  type FakeHost,
} from "../../test/helpers/monitor-host.js";
import { sweepOrphans } from "./orphans.js";
import { scanHosts } from "./scan.js";

let dir: string;
const hosts: FakeHost[] = [];
const myStart = processStartTime(process.pid)!;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "bm-"));
});
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((host) => host.close()));
  rmSync(dir, { recursive: true, force: true });
});

/** Paths of a host stem in the test's dir. */
function stemPaths(project: string, pid: number) {
  const appHostPath = `/p/${project}/berth.config.ts`;
  const stem = socketStem(appHostHash(appHostPath), pid);
  return { appHostPath, socket: join(dir, `${stem}.sock`), sidecar: join(dir, `${stem}.json`) };
}

const sweep = async () => sweepOrphans(scanHosts([dir]), { recheckMs: 10 });

describe("sweepOrphans", () => {
  it("deletes the socket and sidecar of a dead PID", async () => {
    const pid = deadPid();
    const files = stemPaths("dead", pid);
    await staleSocket(files.socket);
    writeSidecar(files.sidecar, files.appHostPath, pid, "12345");

    expect(await sweep()).toEqual([
      expect.objectContaining({ reason: "dead-pid", files: [files.socket, files.sidecar], pid }),
    ]);
    expect(existsSync(files.socket)).toBe(false);
    expect(existsSync(files.sidecar)).toBe(false);
  });

  it("deletes the files of a reused PID: alive, but started at another time than the sidecar says", async () => {
    const files = stemPaths("reused", process.pid);
    await staleSocket(files.socket);
    writeSidecar(files.sidecar, files.appHostPath, process.pid, `${myStart}0`);

    expect(await sweep()).toEqual([
      expect.objectContaining({ reason: "reused-pid", files: [files.socket, files.sidecar] }),
    ]);
    expect(existsSync(files.socket)).toBe(false);
    expect(existsSync(files.sidecar)).toBe(false);
  });

  it("deletes a plain file where a socket should be, with the sidecar of a dead owner", async () => {
    const pid = deadPid();
    const dead = stemPaths("plain-dead", pid);
    writeFileSync(dead.socket, "");
    writeSidecar(dead.sidecar, dead.appHostPath, pid, "1");

    expect(await sweep()).toEqual([
      expect.objectContaining({ reason: "not-a-socket", files: [dead.socket, dead.sidecar] }),
    ]);
    expect(existsSync(dead.socket)).toBe(false);
    expect(existsSync(dead.sidecar)).toBe(false);
  });

  it("leaves a live owner's plain file for the grace period (it replaces it when it binds), then deletes only that", async () => {
    const live = stemPaths("plain-live", process.pid);
    writeFileSync(live.socket, "");
    writeSidecar(live.sidecar, live.appHostPath, process.pid, myStart);
    expect(await sweep()).toEqual([]);

    const old = (Date.now() - 11_000) / 1000;
    utimesSync(live.socket, old, old);
    expect(await sweep()).toEqual([
      expect.objectContaining({ reason: "not-a-socket", files: [live.socket] }),
    ]);
    expect(existsSync(live.socket)).toBe(false);
    expect(existsSync(live.sidecar)).toBe(true);
  });

  it("never deletes a live host, nor a host that is starting (sidecar written, no socket yet)", async () => {
    hosts.push(await startFakeHost({ dir, appHostPath: "/p/live/berth.config.ts" }));
    const starting = stemPaths("starting", process.pid);
    writeSidecar(starting.sidecar, starting.appHostPath, process.pid, myStart);
    const noSidecar = stemPaths("no-sidecar", process.pid);
    await staleSocket(noSidecar.socket); // refuses, but its PID is alive: not ours to judge

    expect(await sweep()).toEqual([]);
    expect(existsSync(hosts[0]!.socketPath)).toBe(true);
    expect(existsSync(hosts[0]!.sidecarPath)).toBe(true);
    expect(existsSync(starting.sidecar)).toBe(true);
    expect(existsSync(noSidecar.socket)).toBe(true);
  });

  it("deletes a sidecar with no socket whose PID is dead, and a socket with no sidecar whose PID is dead", async () => {
    const pid = deadPid();
    const sidecarOnly = stemPaths("sidecar-only", pid);
    writeSidecar(sidecarOnly.sidecar, sidecarOnly.appHostPath, pid, "1");
    const socketOnly = stemPaths("socket-only", pid);
    await staleSocket(socketOnly.socket);

    const swept = await sweep();
    expect(swept.map((s) => [s.reason, s.files])).toEqual(
      expect.arrayContaining([
        ["dead-pid", [sidecarOnly.sidecar]],
        ["dead-pid", [socketOnly.socket]],
      ]),
    );
    expect(existsSync(sidecarOnly.sidecar)).toBe(false);
    expect(existsSync(socketOnly.socket)).toBe(false);
  });

  it("deletes an unreadable sidecar with no socket only after the grace period", async () => {
    const files = stemPaths("garbage", process.pid);
    writeFileSync(files.sidecar, '{"appHostPath": "/p/garb');

    expect(await sweepOrphans(scanHosts([dir]), { recheckMs: 10, graceMs: 10_000 })).toEqual([]);
    expect(existsSync(files.sidecar)).toBe(true);

    const old = (Date.now() - 11_000) / 1000;
    utimesSync(files.sidecar, old, old);
    const swept = await sweepOrphans(scanHosts([dir]), { recheckMs: 10, graceMs: 10_000 });
    expect(swept).toEqual([
      expect.objectContaining({ reason: "invalid-sidecar", files: [files.sidecar] }),
    ]);
    expect(existsSync(files.sidecar)).toBe(false);
  });

  it("looks twice: nothing is deleted before the re-check, and a sidecar rewritten meanwhile saves it", async () => {
    const clock = new ManualClock();
    // A host with this PID died, the PID went to a new host of the same project, which
    // has not yet rewritten the sidecar at the first look.
    const files = stemPaths("restarting", process.pid);
    await staleSocket(files.socket);
    writeSidecar(files.sidecar, files.appHostPath, process.pid, `${myStart}0`);

    const result = sweepOrphans(scanHosts([dir]), { clock, recheckMs: 75 });
    await clock.advance(74);
    expect(existsSync(files.socket)).toBe(true);
    writeSidecar(files.sidecar, files.appHostPath, process.pid, myStart);
    await clock.advance(1);
    expect(await result).toEqual([]);
    expect(existsSync(files.socket)).toBe(true);
    expect(existsSync(files.sidecar)).toBe(true);
  });

  it("returns at once, with no timer, when nothing looks orphaned", async () => {
    const clock = new ManualClock();
    hosts.push(await startFakeHost({ dir, appHostPath: "/p/fine/berth.config.ts" }));
    expect(await sweepOrphans(scanHosts([dir]), { clock })).toEqual([]);
    expect(clock.pending).toBe(0);
  });
});
