import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createConnection, type Socket } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runBerth } from "../helpers/cli.js";
import { spawnTracked, track, waitFor } from "../helpers/processes.js";
import { berthBin, tempProject } from "../helpers/project.js";
import { fixture, node, projectWith } from "./project.js";

const sockets: Socket[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.destroy();
});

interface Listed {
  pid: number;
  status: string;
  services: { name: string; state: string; pid: number | null; reason: string | null }[];
}

async function ps(cwd: string): Promise<Listed[]> {
  const result = await runBerth(["ps", "--json"], { cwd });
  expect(result.code).toBe(0);
  return JSON.parse(result.output) as Listed[];
}

/** `berth run --detach` under `ulimit -n <limit>` (the host inherits it); its host's pid. */
async function detachWithLimit(dir: string, limit: number): Promise<number> {
  const run = `ulimit -n ${limit} && exec "${process.execPath}" "${berthBin}" run --detach`;
  try {
    execFileSync("/bin/sh", ["-c", run], { cwd: dir, stdio: "pipe" });
  } finally {
    const lock = JSON.parse(readFileSync(join(dir, ".berth", "host.json"), "utf8")) as {
      pid: number;
    };
    track(lock.pid);
  }
  const [host] = await ps(dir);
  return host!.pid;
}

/** A worker that restarts when killed. */
const worker = `worker: { command: [${node}, ${fixture("forever.mjs")}], port: false,
  ready: { log: "forever" }, restart: "always" },`;

/** Kills the worker and waits until the host has it ready again, as another process. */
async function killWorkerAndSeeItBack(dir: string): Promise<Listed> {
  const before = (await ps(dir))[0]!.services[0]!;
  process.kill(before.pid!, "SIGKILL");
  let host: Listed | undefined;
  await waitFor(
    async () => {
      host = (await ps(dir))[0];
      const now = host?.services[0];
      return now?.state === "ready" && now.pid !== before.pid;
    },
    "the worker to be restarted",
    20_000,
  );
  return host!;
}

// Attack: berth started under `ulimit -n 64` with more services than descriptors. The
// spawn failures said "check the service's command and cwd", which were fine.
describe("a spawn that fails for want of file descriptors", () => {
  it("says EMFILE and the limit, not to check the command", async () => {
    // Short back-off: the starts that fail are tried again (6 times) before they fail.
    const services = Object.fromEntries(
      Array.from({ length: 30 }, (_, i) => [
        `s${i}`,
        { command: ["sleep", "1000"], port: false, restart: { delay: "10ms", maxDelay: "50ms" } },
      ]),
    );
    const dir = tempProject({ "berth.config.json": JSON.stringify({ services }) });
    const berth = spawnTracked(
      "/bin/sh",
      ["-c", `ulimit -n 64 && exec "${process.execPath}" "${berthBin}" run`],
      { cwd: dir, stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    berth.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    berth.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise((resolve) => berth.once("close", resolve));
    await waitFor(() => /services failed/.test(output), "the failures", 20_000);

    expect(output).toMatch(
      /s\d+ could not start `sleep 1000` \(EMFILE: the limit is 64 open files \(`ulimit -n`\)\); retrying in 10 ms \(1\/6\)/,
    );
    expect(output).toMatch(
      /s\d+ failed: services\.s\d+: could not start `sleep 1000` \(EMFILE\)\. berth has too many files open: the limit is 64 open files \(`ulimit -n`\)\. Raise it .* It failed 7 times\./,
    );
    expect(output).not.toMatch(/command and cwd/);
    berth.kill("SIGTERM");
    expect(await exited).toBe(4);
  });
});

// Attack: 1,100 idle connections under `ulimit -n 1024` made the host unreachable, and a
// service's restart then failed with EMFILE, after which it stayed failed. Here at a smaller
// scale: 300 idle clients under `ulimit -n 128`.
describe("idle clients holding connections under a low limit of open files", () => {
  it("leave descriptors for the services: the host answers and a restart works", async () => {
    const dir = projectWith(worker);
    const pid = await detachWithLimit(dir, 128);
    const runtime = process.env.BERTH_RUNTIME_DIR!;
    const name = readdirSync(runtime).find((file) => file.endsWith(`.${pid}.sock`))!;

    let closed = 0;
    for (let i = 0; i < 300; i++) {
      const socket = createConnection(join(runtime, name));
      socket.on("error", () => {});
      socket.on("close", () => closed++);
      sockets.push(socket);
    }
    // Either the host's own bound closes them or, out of descriptors, its accept does.
    await waitFor(() => closed >= 300 - 128, "the connections past the limit to close", 20_000);

    expect((await ps(dir))[0]).toMatchObject({ pid, status: "live" });
    const host = await killWorkerAndSeeItBack(dir);
    expect(host).toMatchObject({ pid, status: "live" });
    expect(readFileSync(join(dir, ".berth", "host.log"), "utf8")).not.toMatch(/EMFILE/);
    expect((await runBerth(["stop"], { cwd: dir })).code).toBe(0);
  });

  it("retries a restart that failed for want of descriptors, and says so", async () => {
    const dir = projectWith(worker);
    const pid = await detachWithLimit(dir, 1024);
    const before = (await ps(dir))[0]!.services[0]!;
    // The host's limit, lowered to what it has open: its next spawn (which needs 6, and
    // gets back the 2 of the killed worker's pipes) fails with EMFILE.
    const open = readdirSync(`/proc/${pid}/fd`).length;
    execFileSync("prlimit", [`--pid=${pid}`, `--nofile=${open}:`]);
    const hostLog = join(dir, ".berth", "host.log");
    process.kill(before.pid!, "SIGKILL");
    await waitFor(
      () =>
        /worker could not start .*\(EMFILE: .*\); retrying in/.test(readFileSync(hostLog, "utf8")),
      "the failed restart in host.log",
    );
    execFileSync("prlimit", [`--pid=${pid}`, "--nofile=1024:"]);

    await waitFor(
      async () => (await ps(dir))[0]?.services[0]?.state === "ready",
      "the worker to be back",
      20_000,
    );
    const [host] = await ps(dir);
    expect(host).toMatchObject({ pid, status: "live" });
    expect(host!.services[0]!.pid).not.toBe(before.pid);
    expect((await runBerth(["stop"], { cwd: dir })).code).toBe(0);
  });
});
