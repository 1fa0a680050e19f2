import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runBerth } from "../helpers/cli.js";
import { berthBin } from "../helpers/project.js";
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
});
