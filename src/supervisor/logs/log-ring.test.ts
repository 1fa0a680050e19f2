import { describe, expect, it } from "vitest";
import type { LogStream } from "../events.js";
import { createLogRing, type LogRing } from "./log-ring.js";

/** Pushes lines as one chunk of output, the way the line splitter hands them over. */
const push = (ring: LogRing, lines: string[], stream: LogStream, time: number) =>
  ring.push([Buffer.from(lines.map((line) => `${line}\n`).join(""))], lines.length, stream, time);

const numbered = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => `line ${from + i}`);

describe("createLogRing", () => {
  it("keeps the last N lines, oldest first, with their stream and time", () => {
    const ring = createLogRing({ maxLines: 3 });
    push(ring, ["a", "b"], "stdout", 1);
    push(ring, ["c"], "stderr", 2);
    push(ring, ["d"], "stdout", 3);
    expect(ring.tail()).toEqual([
      { time: 1, stream: "stdout", text: "b" },
      { time: 2, stream: "stderr", text: "c" },
      { time: 3, stream: "stdout", text: "d" },
    ]);
    expect(ring.tail(1)).toEqual([{ time: 3, stream: "stdout", text: "d" }]);
    expect(ring.tail(0)).toEqual([]);
    expect(ring.tail(99)).toHaveLength(3);
  });

  it("is bounded by lines however much is pushed (default 1000)", () => {
    const ring = createLogRing();
    for (let i = 0; i < 250; i++) push(ring, numbered(i * 100, 100), "stdout", i);
    expect(ring.size).toBe(1000);
    expect(ring.tail(2).map((l) => l.text)).toEqual(["line 24998", "line 24999"]);
    expect(ring.tail()[0]!.text).toBe("line 24000");
  });

  it("keeps only the tail of a chunk larger than the ring", () => {
    const ring = createLogRing({ maxLines: 5, maxBytes: 10_000_000 });
    push(ring, numbered(0, 100_000), "stdout", 0);
    expect(ring.size).toBe(5);
    expect(ring.tail().map((l) => l.text)).toEqual(numbered(99_995, 5));
  });

  it("is bounded by bytes: chunks written over are gone", () => {
    const ring = createLogRing({ maxLines: 100, maxBytes: 100, maxLineLength: 24 });
    for (let i = 0; i < 10; i++) push(ring, [`${i}`.repeat(20)], "stdout", i); // 21 bytes each
    // 210 bytes written; the chunks within the last 100 survive.
    expect(ring.tail().map((l) => l.text[0])).toEqual(["6", "7", "8", "9"]);
    expect(ring.bytes).toBe(84);
    push(ring, ["y", "z".repeat(20), "w".repeat(20)], "stderr", 11); // 44 bytes
    expect(ring.tail().map((l) => l.text[0])).toEqual(["8", "9", "y", "z", "w"]);
    expect(ring.bytes).toBe(86);
  });

  it("keeps the lines that fit from a chunk larger than the whole ring", () => {
    const ring = createLogRing({ maxBytes: 100, maxLineLength: 24 });
    push(
      ring,
      Array.from({ length: 10 }, (_, i) => `${i}`.repeat(20)),
      "stdout",
      0,
    );
    expect(ring.tail().map((l) => l.text[0])).toEqual(["6", "7", "8", "9"]);
    expect(ring.size).toBe(4);
  });

  it("lets no line be longer than its byte limit allows", () => {
    // The limit is raised so that a line of maxLineLength characters always fits.
    const ring = createLogRing({ maxBytes: 10, maxLineLength: 100 });
    push(ring, ["é".repeat(100)], "stdout", 0);
    expect(ring.tail()).toEqual([{ time: 0, stream: "stdout", text: "é".repeat(100) }]);
  });

  it("gives back the lines as split: CRLF, split characters, cut long lines", () => {
    const ring = createLogRing({ maxLineLength: 8 });
    // "héé\r\n", with the second "é" split between two parts.
    ring.push(
      [Buffer.from("hé"), Buffer.from([0xc3]), Buffer.from([0xa9, 0x0d, 0x0a])],
      1,
      "stdout",
      0,
    );
    ring.push([Buffer.from("0123456789abc\n")], 2, "stdout", 1);
    expect(ring.tail().map((l) => l.text)).toEqual(["héé", "01234567", "89abc"]);
  });

  it("agrees with a plain model over many random pushes", () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const ring = createLogRing({ maxLines: 50, maxBytes: 400, maxLineLength: 64 });
    type Line = { text: string; stream: string; time: number };
    let chunks: { start: number; lines: Line[] }[] = [];
    let written = 0;
    for (let time = 0; time < 1500; time++) {
      const texts = Array.from(
        { length: 1 + random(8) },
        (_, i) => "y".repeat(random(30)) + `${time}.${i}`,
      );
      const stream = random(2) ? "stderr" : "stdout";
      push(ring, texts, stream, time);
      chunks.push({ start: written, lines: texts.map((text) => ({ text, stream, time })) });
      written += texts.reduce((sum, text) => sum + text.length + 1, 0);
      chunks = chunks.filter((chunk) => chunk.start >= written - 400);
      const model = chunks.flatMap((chunk) => chunk.lines).slice(-50);
      chunks = chunks.filter((chunk) => chunk.lines.some((line) => model.includes(line)));
      expect(ring.size).toBe(model.length);
      expect(ring.bytes).toBe(written - chunks[0]!.start);
      const n = random(60);
      expect(ring.tail(n)).toEqual(n === 0 ? [] : model.slice(-n));
    }
  });
});
