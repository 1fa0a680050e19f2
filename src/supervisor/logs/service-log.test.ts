import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { spawnTracked } from "../../../test/helpers/processes.js";
import type { LogStream } from "../events.js";
import { ServiceLog } from "./service-log.js";

const logFile = () => join(mkdtempSync(join(tmpdir(), "berth-service-log-")), "logs", "api.log");

function recording(options: Partial<ConstructorParameters<typeof ServiceLog>[0]> = {}) {
  const batches: { stream: LogStream; lines: string[] }[] = [];
  const file = logFile();
  const log = new ServiceLog({
    file,
    now: () => 42,
    onLines: (stream, lines) => batches.push({ stream, lines }),
    ...options,
  });
  return { log, file, batches };
}

describe("ServiceLog", () => {
  it("hides what `hide` hides in berth's notes, and writes the output as it came", async () => {
    const { log, file } = recording({ hide: (text) => text.replace("s3cret", "***cret") });
    const out = new PassThrough();
    log.note("--- starting: server --key s3cret");
    log.attach(out, "stdout");
    out.end("my key is s3cret\n");
    await log.drain();
    log.close();
    expect(readFileSync(file, "utf8")).toBe(
      "--- starting: server --key ***cret\nmy key is s3cret\n",
    );
  });

  it("sends complete lines to the file, the ring and the callback", async () => {
    const { log, file, batches } = recording();
    const out = new PassThrough();
    const err = new PassThrough();
    log.note("--- started pid 123 ---");
    log.attach(out, "stdout");
    log.attach(err, "stderr");
    out.write("hello\nwor");
    err.write("oops\n");
    out.end("ld");
    err.end();
    await log.drain();
    expect(batches).toEqual([
      { stream: "stdout", lines: ["hello"] },
      { stream: "stderr", lines: ["oops"] },
      { stream: "stdout", lines: ["world"] },
    ]);
    expect(log.tail()).toEqual([
      { time: 42, stream: "stdout", text: "hello" },
      { time: 42, stream: "stderr", text: "oops" },
      { time: 42, stream: "stdout", text: "world" },
    ]);
    // berth's own note goes to the file only.
    expect(readFileSync(file, "utf8")).toBe("--- started pid 123 ---\nhello\noops\nworld\n");
    log.close();
  });

  it("drain gives up on a pipe held open elsewhere, emitting its unfinished line", async () => {
    const { log, batches } = recording();
    const out = new PassThrough();
    log.attach(out, "stdout");
    out.write("partial");
    const started = Date.now();
    await log.drain(50);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(batches).toEqual([{ stream: "stdout", lines: ["partial"] }]);
    log.close();
  });

  it("close emits unfinished lines and ignores what comes after", () => {
    const { log, file, batches } = recording();
    const out = new PassThrough();
    log.attach(out, "stdout");
    out.write("last words");
    log.close();
    out.write("too late\n");
    log.note("too late");
    expect(batches).toEqual([{ stream: "stdout", lines: ["last words"] }]);
    expect(readFileSync(file, "utf8")).toBe("last words\n");
  });

  it("keeps up with a fast child: complete log, bounded memory", async () => {
    const file = logFile();
    let lineCount = 0;
    let stderrCount = 0;
    const log = new ServiceLog({
      file,
      maxFileBytes: 8 * 1024 * 1024,
      keepFiles: 10,
      onLines: (stream, lines) => {
        if (stream === "stdout") lineCount += lines.length;
        else stderrCount += lines.length;
      },
    });
    // 400,000 lines of 100 bytes (40 MB), written as fast as the pipe takes them.
    const script = `
      const total = 400000, perChunk = 2000;
      let i = 0;
      function more() {
        while (i < total) {
          let chunk = "";
          for (let k = 0; k < perChunk; k++, i++) chunk += "line " + String(i).padStart(10, "0") + " " + "x".repeat(83) + "\\n";
          if (i % 100000 === 0) process.stderr.write("progress " + i + "\\n");
          if (!process.stdout.write(chunk)) return process.stdout.once("drain", more);
        }
      }
      more();`;
    const child = spawnTracked(process.execPath, ["-e", script], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise((resolve) => child.once("close", resolve));
    log.attach(child.stdout!, "stdout");
    log.attach(child.stderr!, "stderr");
    await exited;
    await log.drain();
    log.close();

    expect(lineCount).toBe(400_000);
    expect(stderrCount).toBe(4);
    // Only the last lines stay in memory.
    const kept = log.tail();
    expect(kept).toHaveLength(1000);
    expect(kept.filter((line) => line.stream === "stdout").at(-1)!.text).toBe(
      `line 0000399999 ${"x".repeat(83)}`,
    );
    // Every line is in the log files, in order, with rotation along the way.
    const dir = join(file, "..");
    const rotated = readdirSync(dir).filter((name) => name.startsWith("api.log."));
    expect(rotated.length).toBeGreaterThanOrEqual(4);
    const ordered = [
      ...rotated.sort((a, b) => Number(b.split(".").pop()) - Number(a.split(".").pop())),
      "api.log",
    ];
    const all = ordered.map((name) => readFileSync(join(dir, name), "utf8")).join("");
    const stdoutLines = all.split("\n").filter((line) => line.startsWith("line "));
    expect(stdoutLines).toHaveLength(400_000);
    expect(stdoutLines[123_456]).toBe(`line 0000123456 ${"x".repeat(83)}`);
    expect(all.split("\n").filter((line) => line.startsWith("progress "))).toHaveLength(4);
  });
});
