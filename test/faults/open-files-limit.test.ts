import { describe, expect, it } from "vitest";
import { spawnTracked, waitFor } from "../helpers/processes.js";
import { berthBin, tempProject } from "../helpers/project.js";

// Attack: berth started under `ulimit -n 64` with more services than descriptors. The
// spawn failures said "check the service's command and cwd", which were fine.
describe("a spawn that fails for want of file descriptors", () => {
  it("says EMFILE and the limit, not to check the command", async () => {
    const services = Object.fromEntries(
      Array.from({ length: 30 }, (_, i) => [`s${i}`, { command: ["sleep", "1000"], port: false }]),
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
      /s\d+ failed: services\.s\d+: could not start `sleep 1000` \(EMFILE\)\. berth has too many files open: the limit is 64 open files \(`ulimit -n`\)\. Raise it/,
    );
    expect(output).not.toMatch(/command and cwd/);
    berth.kill("SIGTERM");
    expect(await exited).toBe(4);
  });
});
