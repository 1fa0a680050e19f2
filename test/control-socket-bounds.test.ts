/**
 * A real app host under clients that hold partial messages on its control socket: it
 * stays reachable, and what they make it hold is bounded and let go (issue 12).
 */
import { readdirSync, readFileSync } from "node:fs";
import { createConnection, type Socket } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runBerth } from "./helpers/cli.js";
import { track, waitFor } from "./helpers/processes.js";
import { fixturesDir, tempProject } from "./helpers/project.js";

const MiB = 1024 * 1024;
/** Clients, past the 256 connections a host keeps. */
const COUNT = 600;
const sockets: Socket[] = [];

afterEach(() => {
  for (const socket of sockets.splice(0)) socket.destroy();
});

const config = `export default { services: { worker: {
  command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(join(fixturesDir, "forever.mjs"))}],
  port: false, ready: { log: "forever" } } } };\n`;

function rss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)![1]) * 1024;
}

async function ps(cwd: string): Promise<{ pid: number; status: string }[]> {
  const result = await runBerth(["ps", "--json"], { cwd });
  expect(result.code).toBe(0);
  return JSON.parse(result.output) as { pid: number; status: string }[];
}

describe("the control socket under clients holding partial messages", () => {
  it("keeps the host reachable, bounds what it holds, and lets it go", async () => {
    const dir = tempProject({ "berth.config.mjs": config });
    expect((await runBerth(["run", "--detach"], { cwd: dir })).code).toBe(0);
    const [host] = await ps(dir);
    track(host!.pid);
    const runtime = process.env.BERTH_RUNTIME_DIR!;
    const name = readdirSync(runtime).find((file) => file.endsWith(`.${host!.pid}.sock`))!;
    const before = rss(host!.pid);

    // Each client sends a fifth of a 1 MiB message and nothing more.
    const partial = `Content-Length: 1000000\r\n\r\n${"x".repeat(200_000)}`;
    let settled = 0;
    for (let i = 0; i < COUNT; i++) {
      const socket = createConnection(join(runtime, name));
      let done = false;
      const settle = () => void (done || ((done = true), settled++));
      socket.on("error", () => {});
      socket.on("close", settle);
      socket.write(partial, settle);
      sockets.push(socket);
    }
    await waitFor(() => settled >= COUNT, "every partial message to be taken or refused", 20_000);
    expect((await ps(dir))[0]).toMatchObject({ pid: host!.pid, status: "live" });
    const during = rss(host!.pid);

    for (const socket of sockets.splice(0)) socket.destroy();
    expect((await ps(dir))[0]).toMatchObject({ pid: host!.pid, status: "live" });
    const after = rss(host!.pid);
    console.log(
      `host RSS: before ${(before / MiB).toFixed(1)} MiB, during ${(during / MiB).toFixed(1)} MiB, after ${(after / MiB).toFixed(1)} MiB`,
    );
    // Without bounds 2,000 such clients took a host to 2 GB, kept after they closed. With
    // them the growth does not follow the number of clients (about +50 MiB for 300, +70 MiB
    // for 1,500); V8 and malloc keep what was freed, so it is not given back at once.
    expect(during - before).toBeLessThan(96 * MiB);
    expect(after - before).toBeLessThan(96 * MiB);
    expect((await runBerth(["stop"], { cwd: dir })).code).toBe(0);
  });
});
