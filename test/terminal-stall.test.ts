import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runBerth } from "./helpers/cli.js";
import { spawnTracked, waitFor } from "./helpers/processes.js";
import { berthBin, tempProject } from "./helpers/project.js";
import { chattyConfig } from "./helpers/terminal.js";

// `script` gives berth a real terminal; nobody reads what it writes there, as when a user
// presses Ctrl-S, so the terminal's buffer fills within a second.
describe.skipIf(
  process.platform !== "linux" || !existsSync("/usr/bin/script") || !existsSync("/dev/ptmx"),
)("berth run on a terminal that stops reading", () => {
  it("keeps supervising and answering its control socket", async () => {
    const dir = tempProject({ "berth.config.json": chattyConfig });
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(berthBin)} run`;
    const terminal = spawnTracked("script", ["-qfec", command, "/dev/null"], {
      cwd: dir,
      stdio: ["pipe", "pipe", "ignore"],
    });
    terminal.stdout!.pause(); // never read: script blocks, then the terminal fills up
    const runtimeDir = process.env.BERTH_RUNTIME_DIR!;
    await waitFor(
      () => existsSync(runtimeDir) && readdirSync(runtimeDir).some((n) => n.endsWith(".sock")),
      "the host's control socket",
    );
    // 3 MiB: more than berth holds back for a terminal (1 MiB) and the pipes and terminal hold.
    const log = join(dir, ".berth", "logs", "chatty.log");
    await waitFor(() => existsSync(log) && statSync(log).size > 3 * 1024 * 1024, "3 MiB of output");
    const status = await runBerth(["status"], { cwd: dir });
    expect(status.output).toMatch(/running \(pid \d+, 1\/1 services ready/);
    expect(status.code).toBe(0);
    // Reading again, the terminal is told how much it missed and where to find it.
    let seen = "";
    terminal.stdout!.on("data", (chunk: Buffer) => (seen += chunk.toString()));
    terminal.stdout!.resume();
    await waitFor(() => /lines of chatty not shown .*chatty\.log/.test(seen), "the notice");
    const stop = await runBerth(["stop"], { cwd: dir });
    expect(stop.code).toBe(0);
  });
});
