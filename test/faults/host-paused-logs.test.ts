import { afterEach, describe, expect, it } from "vitest";
import { runBerth, startBerth } from "../helpers/cli.js";
import { tempProject } from "../helpers/project.js";

/**
 * `berth logs -f` on a host that is then SIGSTOP'd: the follower must say that the host
 * stopped answering (and that it answers again after SIGCONT), not wait in silence.
 */

let paused: number | undefined;
afterEach(() => {
  // Never leave a stopped host behind: the helpers' SIGKILL would still work, but be tidy.
  if (paused !== undefined) process.kill(paused, "SIGCONT");
  paused = undefined;
});

describe("logs -f on a host that stops answering", () => {
  it("says so, keeps following, and says when it answers again", async () => {
    const dir = tempProject({
      "berth.config.mjs": `export default { services: { talk: { command: "echo first line; sleep 300", port: false } } };\n`,
    });
    expect((await runBerth(["run", "--detach"], { cwd: dir })).code).toBe(0);
    const ps = JSON.parse((await runBerth(["ps", "--json"], { cwd: dir })).output);
    const hostPid = ps[0].pid as number;

    const follow = startBerth(["logs", "-f"], { cwd: dir });
    await follow.waitForOutput(/talk \| first line/);
    process.kill(hostPid, "SIGSTOP");
    paused = hostPid;
    await follow.waitForOutput(
      new RegExp(`berth: the app host \\(pid ${hostPid}\\) stopped answering .*still following`),
      20_000,
    );
    process.kill(hostPid, "SIGCONT");
    paused = undefined;
    await follow.waitForOutput(
      new RegExp(`the app host \\(pid ${hostPid}\\) answers again`),
      20_000,
    );

    expect((await runBerth(["stop"], { cwd: dir })).code).toBe(0);
    expect(await follow.exited).toBe(0);
    expect(follow.output()).toContain("berth: the app host stopped");
  });
});
