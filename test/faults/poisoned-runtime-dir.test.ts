import { mkdirSync, utimesSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runBerth } from "../helpers/cli.js";
import { isAlive, spawnTracked, waitFor } from "../helpers/processes.js";
import { tempProject } from "../helpers/project.js";

// Attack: a socket named like a host's (`<hash>.<pid>.sock`) with a garbage sidecar and the
// pid of a live process that is not berth (a `sleep`). It was listed as "unresponsive"
// forever, every listing waited out its timeout on it, and `berth stop --all` sent SIGTERM
// to the `sleep`.

/** A unix socket file nobody listens on: a listener that was killed leaves it behind. */
async function deadSocket(path: string): Promise<void> {
  const listener = spawnTracked(
    process.execPath,
    [
      "-e",
      `require("net").createServer().listen(${JSON.stringify(path)}, () => console.log("up"))`,
    ],
    { stdio: ["ignore", "pipe", "ignore"] },
  );
  await new Promise((resolve) => listener.stdout!.once("data", resolve));
  listener.kill("SIGKILL");
  await new Promise((resolve) => listener.once("exit", resolve));
}

async function poison(ageSeconds: number): Promise<{ pid: number; socket: string }> {
  const sleeper = spawnTracked("sleep", ["60"], { stdio: "ignore" });
  const runtime = process.env.BERTH_RUNTIME_DIR!;
  mkdirSync(runtime, { recursive: true, mode: 0o700 });
  const stem = join(runtime, `0123456789abcdef.${sleeper.pid}`);
  await deadSocket(`${stem}.sock`);
  writeFileSync(`${stem}.json`, "garbage");
  const then = Date.now() / 1000 - ageSeconds;
  utimesSync(`${stem}.sock`, then, then);
  return { pid: sleeper.pid!, socket: `${stem}.sock` };
}

describe("a poisoned runtime dir", () => {
  it("never gets an unproven pid signalled, and a stale entry is swept", async () => {
    const cwd = tempProject();
    // Fresh: it may be a host that is starting, so it is left alone, and never signalled.
    const fresh = await poison(0);
    const stop = await runBerth(["stop", "--all"], { cwd });
    expect(stop.code).toBe(0);
    expect(stop.output).toContain(`nothing proves pid ${fresh.pid} is a berth host`);
    expect(isAlive(fresh.pid)).toBe(true);

    // Past the grace period it is stale: the next listing sweeps it.
    const old = await poison(60);
    const ps = await runBerth(["ps", "--json"], { cwd });
    expect(ps.code).toBe(0);
    expect(existsSync(old.socket)).toBe(false);
    expect(isAlive(old.pid)).toBe(true);
    await waitFor(() => isAlive(fresh.pid), "the sleeps to live on");
  });
});
