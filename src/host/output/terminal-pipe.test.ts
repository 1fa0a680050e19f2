import { execFileSync } from "node:child_process";
import { constants, mkdtempSync, openSync, closeSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findCat, terminalPipe } from "./terminal-pipe.js";

const cat = findCat();

describe.skipIf(cat === undefined)("terminalPipe", () => {
  it("writes everything, in order, and waits on close until it is out", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "berth-pipe-")), "out.txt");
    const fd = openSync(path, "w");
    const out = terminalPipe(fd, cat!);
    const lines = Array.from({ length: 10_000 }, (_, i) => `line ${i}\n`);
    for (const line of lines) out.write(line);
    await out.close();
    closeSync(fd);
    expect(readFileSync(path, "utf8")).toBe(lines.join(""));
  });

  it("starts nothing until the first write", async () => {
    const out = terminalPipe(1, cat!);
    expect(out.writableLength).toBe(0);
    await out.close();
  });

  it("never blocks on a destination that stops reading, and gives up on close", async () => {
    // A pipe nobody reads: like a terminal after Ctrl-S.
    const fifo = join(mkdtempSync(join(tmpdir(), "berth-pipe-")), "fifo");
    execFileSync("mkfifo", [fifo]);
    // A reader that never reads, opened first so the writer's open does not wait for one.
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const fd = openSync(fifo, "w");
    const out = terminalPipe(fd, cat!);
    const chunk = "x".repeat(64 * 1024);
    for (let i = 0; i < 64; i++) out.write(chunk); // 4 MiB; any pipe holds far less
    expect(out.writableLength).toBeGreaterThan(1024 * 1024);
    await out.close(50);
    closeSync(fd);
    closeSync(reader); // cat, still blocked, gets EPIPE and ends
  });
});
