import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { appHostHash } from "../../src/model/instance.js";
import { processStartTime } from "../../src/platform/process-info.js";
import { runBerth } from "../helpers/cli.js";
import { writeSidecar } from "../helpers/monitor-host.js";
import { isAlive, spawnTracked, waitFor } from "../helpers/processes.js";
import { berthBin, tempProject } from "../helpers/project.js";
import { detach, node, projectWith } from "./project.js";

// Attack: 200 `berth ps` at once. The host answered each in about 2 ms of its own time, but
// on a machine that busy it is scheduled late, and 75-111 of them called it "unresponsive".

interface Listed {
  status: string;
}

/**
 * Runs `berth ps --json` `count` times at once, started by a shell loop (as fast as a
 * machine can start them); resolves with what each printed.
 */
function manyPs(cwd: string, count: number): Listed[][] {
  const out = join(cwd, "listings");
  mkdirSync(out);
  const ps = `${JSON.stringify(process.execPath)} ${JSON.stringify(berthBin)} ps --json`;
  execFileSync(
    "sh",
    ["-c", `for i in $(seq 1 ${count}); do ${ps} > ${out}/$i.json 2>/dev/null & done; wait`],
    {
      cwd,
    },
  );
  return readdirSync(out).map(
    (file) => JSON.parse(readFileSync(join(out, file), "utf8")) as Listed[],
  );
}

describe("a machine busy with hundreds of clients", () => {
  it("does not get a healthy host called unresponsive", async () => {
    const dir = projectWith(
      `idle: { command: [${node}, "-e", "setInterval(() => {}, 1000)"], port: false },`,
    );
    await detach(dir);
    const listings = manyPs(dir, 200);
    const statuses = listings.flatMap((hosts) => hosts.map((host) => host.status));
    expect(statuses.filter((status) => status !== "live")).toEqual([]);
    expect(statuses).toHaveLength(200);
    expect((await runBerth(["stop"], { cwd: dir })).code).toBe(0);
  }, 120_000);

  it("still calls a stopped (SIGSTOP) host unresponsive", async () => {
    const dir = projectWith(
      `idle: { command: [${node}, "-e", "setInterval(() => {}, 1000)"], port: false },`,
    );
    await detach(dir);
    const [host] = JSON.parse((await runBerth(["ps", "--json"], { cwd: dir })).output) as {
      pid: number;
    }[];
    process.kill(host!.pid, "SIGSTOP");
    try {
      const listed = await runBerth(["ps", "--json"], { cwd: dir });
      expect((JSON.parse(listed.output) as Listed[]).map((h) => h.status)).toEqual([
        "unresponsive",
      ]);
    } finally {
      process.kill(host!.pid, "SIGCONT");
    }
    expect((await runBerth(["stop"], { cwd: dir })).code).toBe(0);
  });

  it("calls a host at work that does not answer slow to answer, and stop --all still ends it", async () => {
    // A stand-in for a host whose event loop is busy: it takes connections and never
    // answers, and works a fifth of the time.
    const busy = spawnTracked(
      process.execPath,
      [
        "-e",
        `const stem = require("path").join(process.env.BERTH_RUNTIME_DIR, process.argv[1] + "." + process.pid);
         require("fs").mkdirSync(process.env.BERTH_RUNTIME_DIR, { recursive: true });
         require("net").createServer(() => {}).listen(stem + ".sock", () => console.log("up"));
         setInterval(() => { const end = Date.now() + 20; while (Date.now() < end); }, 100);`,
        appHostHash("/p/busy/berth.config.ts"),
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    await new Promise((resolve) => busy.stdout!.once("data", resolve));
    const stem = join(
      process.env.BERTH_RUNTIME_DIR!,
      `${appHostHash("/p/busy/berth.config.ts")}.${busy.pid}`,
    );
    writeSidecar(
      `${stem}.json`,
      "/p/busy/berth.config.ts",
      busy.pid!,
      processStartTime(busy.pid!)!,
    );
    const cwd = tempProject();

    const [json, text] = await Promise.all([
      runBerth(["ps", "--json"], { cwd }),
      runBerth(["ps"], { cwd }),
    ]);
    expect((JSON.parse(json.output) as Listed[]).map((h) => h.status)).toEqual(["slow"]);
    expect(text.output).toMatch(new RegExp(`/p/busy/berth.config.ts +slow to answer +${busy.pid}`));

    // Its sidecar proves which process it is: it is asked to stop by SIGTERM.
    const stop = await runBerth(["stop", "--all"], { cwd });
    expect(stop.output).toMatch(/still running; sending SIGTERM/);
    await waitFor(() => !isAlive(busy.pid!), "the busy host to end");
  }, 60_000);
});
