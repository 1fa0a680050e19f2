import {
  closeSync,
  constants,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { MAX_OPEN_LOG_FILES, openLogFile, openLogFileCount } from "./log-file.js";

const tempDir = () => mkdtempSync(join(tmpdir(), "berth-log-file-"));
const line = (i: number) => `line ${String(i).padStart(3, "0")} ${"x".repeat(20)}\n`; // 30 bytes

describe("openLogFile", () => {
  it("creates its folder and appends", () => {
    const path = join(tempDir(), "logs", "deep", "api.log");
    const file = openLogFile(path);
    file.write("one\n");
    file.write(Buffer.from("two\n"));
    file.close();
    file.write("after close\n");
    expect(readFileSync(path, "utf8")).toBe("one\ntwo\n");
  });

  it("gathers the writes of one event loop turn into one append", async () => {
    const path = join(tempDir(), "api.log");
    const file = openLogFile(path);
    file.write("one\n");
    file.write([Buffer.from("tw"), Buffer.from("o\n")]);
    // Not even opened yet: a log file is opened when it is first written out.
    expect(existsSync(path)).toBe(false);
    await new Promise((resolve) => setImmediate(resolve));
    expect(readFileSync(path, "utf8")).toBe("one\ntwo\n");
    file.write("three\n");
    file.flush();
    expect(readFileSync(path, "utf8")).toBe("one\ntwo\nthree\n");
    file.close();
  });

  it("appends to an existing file and counts its size towards rotation", () => {
    const path = join(tempDir(), "api.log");
    writeFileSync(path, "x".repeat(90));
    const file = openLogFile(path, { maxBytes: 100 });
    file.write("0123456789\n");
    file.close();
    expect(readFileSync(`${path}.1`, "utf8")).toBe("x".repeat(90));
    expect(readFileSync(path, "utf8")).toBe("0123456789\n");
  });

  it("rotates by size to .1 … .<keep>, dropping the oldest", () => {
    const path = join(tempDir(), "api.log");
    const file = openLogFile(path, { maxBytes: 100, keep: 2 });
    for (let i = 0; i < 20; i++) file.write(line(i));
    file.close();
    // 3 lines (90 bytes) per file: 20 lines → 7 files, of which the current one and 2 are kept.
    expect(readFileSync(path, "utf8")).toBe(line(18) + line(19));
    expect(readFileSync(`${path}.1`, "utf8")).toBe(line(15) + line(16) + line(17));
    expect(readFileSync(`${path}.2`, "utf8")).toBe(line(12) + line(13) + line(14));
    expect(existsSync(`${path}.3`)).toBe(false);
    for (const name of [path, `${path}.1`, `${path}.2`]) {
      expect(statSync(name).size).toBeLessThanOrEqual(100);
    }
  });

  it("with keep 0, starts the file over instead", () => {
    const path = join(tempDir(), "api.log");
    const file = openLogFile(path, { maxBytes: 100, keep: 0 });
    for (let i = 0; i < 5; i++) file.write(line(i));
    file.close();
    expect(readFileSync(path, "utf8")).toBe(line(3) + line(4));
    expect(existsSync(`${path}.1`)).toBe(false);
  });

  it("never throws on a disk error, and reports it once", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "logs"), "a file where the folder should be");
    const onError = vi.fn();
    const file = openLogFile(join(dir, "logs", "api.log"), { onError, retryMs: 0 });
    for (let i = 0; i < 5; i++) expect(() => file.write(line(i))).not.toThrow();
    file.close();
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError.mock.calls[0]![0]).toBeInstanceOf(Error);
  });

  it("is private to the user, its folder too", () => {
    const path = join(tempDir(), "logs", "api.log");
    const file = openLogFile(path);
    file.write("secret output\n");
    file.close();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(path, "..")).mode & 0o777).toBe(0o700);
  });

  it("rotated in place, keeps another descriptor appending to the current file", () => {
    const path = join(tempDir(), "host.log");
    const { O_WRONLY, O_CREAT, O_APPEND } = constants;
    // A detached host's stdout: opened by the launcher, appending to the same file.
    const stdout = openSync(path, O_WRONLY | O_CREAT | O_APPEND, 0o600);
    const file = openLogFile(path, { maxBytes: 100, keep: 2, rotateInPlace: true });
    for (let i = 0; i < 4; i++) file.write(line(i));
    file.flush();
    writeSync(stdout, "a warning of node's\n");
    file.close();
    closeSync(stdout);
    expect(readFileSync(`${path}.1`, "utf8")).toBe(line(0) + line(1) + line(2));
    expect(readFileSync(path, "utf8")).toBe(`${line(3)}a warning of node's\n`);
    expect(statSync(`${path}.1`).mode & 0o777).toBe(0o600);
  });

  it("keeps at most MAX_OPEN_LOG_FILES open, reopening one when it is written again", () => {
    const dir = tempDir();
    const count = MAX_OPEN_LOG_FILES + 44;
    const before = openLogFileCount();
    const files = Array.from({ length: count }, (_, i) => openLogFile(join(dir, `s${i}.log`)));
    expect(openLogFileCount()).toBe(before);
    for (const [i, file] of files.entries()) {
      file.write(`first ${i}\n`);
      file.flush();
    }
    expect(openLogFileCount()).toBe(MAX_OPEN_LOG_FILES);
    // The first files were closed to make room; writing reopens and appends.
    files[0]!.write("second 0\n");
    files[0]!.flush();
    expect(openLogFileCount()).toBe(MAX_OPEN_LOG_FILES);
    // Ours pushed out any other; closed, nothing is left open.
    for (const file of files) file.close();
    expect(openLogFileCount()).toBe(0);
    expect(readFileSync(join(dir, "s0.log"), "utf8")).toBe("first 0\nsecond 0\n");
    expect(readFileSync(join(dir, `s${count - 1}.log`), "utf8")).toBe(`first ${count - 1}\n`);
  });
});
