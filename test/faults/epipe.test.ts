import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { berthBin } from "../helpers/project.js";
import { projectWith } from "./project.js";

// Attack: `berth logs | head -c 10`. The reader goes away after ten bytes, and berth
// crashed with an EPIPE stack trace.
describe("a reader that closes the pipe early", () => {
  it("makes berth exit quietly", () => {
    const dir = projectWith(`api: { command: ["true"], port: false },`);
    const logs = join(dir, ".berth", "logs");
    mkdirSync(logs, { recursive: true });
    // More than a pipe holds (64 KiB), so berth is still writing when `head` leaves.
    const line = `${"x".repeat(99)}\n`;
    writeFileSync(join(logs, "api.log"), line.repeat(5000));

    const berth = `"${process.execPath}" "${berthBin}"`;
    const result = spawnSync(
      "bash",
      ["-c", `${berth} logs -n 5000 | head -c 10 >/dev/null; exit \${PIPESTATUS[0]}`],
      { cwd: dir, encoding: "utf8" },
    );
    expect(result.stderr).not.toMatch(/EPIPE|internal error|\n\s+at /);
    expect(result.status).toBe(0);
  });
});
