import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cleanupNotices, hostLog } from "./host-log.js";
import { TerminalReporter } from "./terminal-reporter.js";

const tempDir = () => mkdtempSync(join(tmpdir(), "berth-host-log-"));

describe("hostLog", () => {
  it("takes berth's lines at once, rotated by size", async () => {
    const dir = tempDir();
    const reporter = new TerminalReporter({
      output: hostLog(dir, { maxBytes: 60, keep: 1 }),
      color: false,
    });
    reporter.handle({ type: "message", level: "info", text: "starting 1 service", time: 0 });
    // Written without waiting for the end of the turn: a kill right after loses nothing.
    expect(readFileSync(join(dir, "host.log"), "utf8")).toBe("berth | starting 1 service\n");
    reporter.handle({ type: "message", level: "warn", text: "a".repeat(40), time: 0 });
    await reporter.close();
    expect(readFileSync(join(dir, "host.log.1"), "utf8")).toBe("berth | starting 1 service\n");
    expect(readFileSync(join(dir, "host.log"), "utf8")).toBe(`berth | ${"a".repeat(40)}\n`);
  });
});

describe("cleanupNotices", () => {
  it("finds what the host said about cleaning up after a crashed berth", () => {
    const file = join(tempDir(), "host.log");
    writeFileSync(
      file,
      [
        "berth   | starting 2 services of shop (/p/berth.config.ts)",
        "berth   | cleaned up 3 processes left by a crashed berth (PID 1234)",
        "berth   | api is ready",
        "worker  | cleaned up 1 process left by a crashed berth (PID 1)",
        "",
      ].join("\n"),
    );
    expect(cleanupNotices(file)).toEqual([
      "cleaned up 3 processes left by a crashed berth (PID 1234)",
    ]);
    expect(cleanupNotices(join(tempDir(), "none.log"))).toEqual([]);
  });
});
