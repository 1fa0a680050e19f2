import { describe, expect, it } from "vitest";
import { createLineSplitter, type LineSplitterOptions } from "./line-splitter.js";

function collect(options?: LineSplitterOptions) {
  const batches: string[][] = [];
  const raws: Buffer[] = [];
  const splitter = createLineSplitter((lines, raw) => {
    batches.push(lines);
    raws.push(Buffer.concat(raw));
  }, options);
  return { splitter, batches, raws, lines: () => batches.flat() };
}

describe("createLineSplitter", () => {
  it("emits complete lines once per chunk and keeps the unfinished tail", () => {
    const { splitter, batches } = collect();
    splitter.push(Buffer.from("one\ntwo\nthr"));
    splitter.push(Buffer.from("ee\nfour"));
    expect(batches).toEqual([["one", "two"], ["three"]]);
    splitter.flush();
    expect(batches).toEqual([["one", "two"], ["three"], ["four"]]);
  });

  it("does not call back for a chunk that completes no line, nor on an empty flush", () => {
    const { splitter, batches } = collect();
    splitter.push(Buffer.from("no end yet"));
    splitter.push(Buffer.alloc(0));
    expect(batches).toEqual([]);
    splitter.push(Buffer.from("\n"));
    splitter.flush();
    expect(batches).toEqual([["no end yet"]]);
  });

  it("keeps empty lines", () => {
    const { splitter, lines } = collect();
    splitter.push(Buffer.from("\n\na\n\n"));
    expect(lines()).toEqual(["", "", "a", ""]);
  });

  it("decodes UTF-8 characters split across chunks, byte by byte", () => {
    const { splitter, lines } = collect();
    const text = "héllo wörld 🌍\n日本語\n";
    for (const byte of Buffer.from(text)) splitter.push(Buffer.from([byte]));
    expect(lines()).toEqual(["héllo wörld 🌍", "日本語"]);
  });

  it("strips CRLF line ends, also when \\r and \\n arrive in different chunks", () => {
    const { splitter, lines, raws } = collect();
    splitter.push(Buffer.from("a\r\nb\r"));
    splitter.push(Buffer.from("\nc\rd\n"));
    expect(lines()).toEqual(["a", "b", "c\rd"]);
    // The raw bytes keep the original line ends, for the log file.
    expect(Buffer.concat(raws).toString()).toBe("a\r\nb\r\nc\rd\n");
  });

  it("emits an unterminated last line on flush, without a trailing \\r", () => {
    const { splitter, batches, raws } = collect();
    splitter.push(Buffer.from("done\r"));
    splitter.flush();
    expect(batches).toEqual([["done"]]);
    expect(raws[0]!.toString()).toBe("done\r\n");
  });

  it("hands over raw bytes that add up to the input", () => {
    const { splitter, raws } = collect();
    const input =
      Array.from({ length: 500 }, (_, i) => `line ${i} ${"x".repeat(i % 37)}`).join("\n") + "\n";
    const bytes = Buffer.from(input);
    for (let at = 0; at < bytes.length; at += 97) splitter.push(bytes.subarray(at, at + 97));
    expect(Buffer.concat(raws).toString()).toBe(input);
  });

  it("cuts an endless line into pieces of at most the cap", () => {
    const { splitter, lines } = collect({ maxLineLength: 10 });
    splitter.push(Buffer.from("a".repeat(8)));
    splitter.push(Buffer.from("b".repeat(8)));
    splitter.push(Buffer.from("c".repeat(8)));
    expect(lines()).toEqual(["aaaaaaaabb", "bbbbbbcccc"]);
    splitter.push(Buffer.from("cc\nok\n"));
    expect(lines()).toEqual(["aaaaaaaabb", "bbbbbbcccc", "cccccc", "ok"]);
  });

  it("cuts an over-long complete line that arrives in one chunk", () => {
    const { splitter, lines } = collect({ maxLineLength: 10 });
    splitter.push(Buffer.from(`short\n${"x".repeat(25)}\nend\n`));
    expect(lines()).toEqual(["short", "x".repeat(10), "x".repeat(10), "x".repeat(5), "end"]);
  });

  it("never cuts inside a UTF-8 character", () => {
    const { splitter, lines } = collect({ maxLineLength: 9 });
    // "é" is 2 bytes: 9 bytes would end in the middle of the fifth one.
    splitter.push(Buffer.from("é".repeat(12)));
    splitter.flush();
    expect(lines().join("")).toBe("é".repeat(12));
    expect(lines().every((line) => !line.includes("\ufffd"))).toBe(true);
    expect(lines().every((line) => Buffer.byteLength(line) <= 9)).toBe(true);
  });

  it("keeps memory bounded: a 10 MB line without an end never holds more than the cap", () => {
    const seen: number[] = [];
    const splitter = createLineSplitter((lines) => seen.push(...lines.map((l) => l.length)), {
      maxLineLength: 64 * 1024,
    });
    const chunk = Buffer.alloc(64 * 1024, "z");
    for (let i = 0; i < 160; i++) splitter.push(chunk);
    splitter.flush();
    expect(seen.reduce((a, b) => a + b, 0)).toBe(160 * 64 * 1024);
    expect(Math.max(...seen)).toBeLessThanOrEqual(64 * 1024);
  });
});
