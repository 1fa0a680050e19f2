import { mkdtempSync, openSync, readFileSync } from "node:fs";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EventEmitter } from "node:events";
import { stripVTControlCharacters } from "node:util";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { SupervisorEvent } from "../../supervisor/events.js";
import { SERVICE_PALETTE } from "../../platform/terminal/colors.js";
import { TerminalReporter, directDestination, type Destination } from "./terminal-reporter.js";

/** An output that keeps what is written and is never backed up. */
function memoryOutput(): Destination & { text: () => string } {
  const chunks: string[] = [];
  return {
    write: (text: string) => chunks.push(text),
    writableLength: 0,
    once: () => undefined,
    on: () => undefined,
    text: () => chunks.join(""),
  };
}

const log = (
  service: string,
  lines: string[],
  stream: "stdout" | "stderr" = "stdout",
): SupervisorEvent => ({
  type: "log",
  service,
  stream,
  lines,
  time: 0,
});

describe("TerminalReporter", () => {
  it("prefixes each line with the service name, padded to the longest name", () => {
    const output = memoryOutput();
    const reporter = new TerminalReporter({ output, color: false });
    reporter.setServices([{ name: "api" }, { name: "worker-long" }]);
    reporter.handle(log("api", ["one", "two"]));
    reporter.handle(log("worker-long", ["oops"], "stderr"));
    reporter.handle({ type: "message", level: "info", text: "hello", time: 0 });
    expect(output.text()).toBe(
      [
        "api         | one",
        "api         | two",
        "worker-long | oops",
        "berth       | hello",
        "",
      ].join("\n"),
    );
  });

  it("pads to at least 'berth', and widens for a service it did not know", () => {
    const output = memoryOutput();
    const reporter = new TerminalReporter({ output, color: false });
    reporter.handle(log("db", ["up"]));
    reporter.handle(log("much-longer", ["hi"]));
    reporter.handle(log("db", ["again"]));
    expect(output.text()).toBe("db    | up\nmuch-longer | hi\ndb          | again\n");
  });

  it("colours the prefix with the service's colour, and marks stderr red", () => {
    const output = memoryOutput();
    const reporter = new TerminalReporter({ output, color: true });
    reporter.setServices([{ name: "api" }]);
    reporter.handle(log("api", ["out"]));
    reporter.handle(log("api", ["err"], "stderr"));
    const name = `\x1b[${SERVICE_PALETTE[0]}mapi  \x1b[39m`;
    expect(output.text()).toBe(`${name} \x1b[2m|\x1b[22m out\n${name} \x1b[31m|\x1b[39m err\n`);
  });

  it("gives eight services eight colours, in the order they were declared", () => {
    const names = ["web", "api", "worker", "db", "cache", "queue", "mail", "auth"];
    const output = memoryOutput();
    const reporter = new TerminalReporter({ output, color: true });
    reporter.setServices(names.map((name) => ({ name })));
    // Lines come in another order; the colours follow the declaration.
    for (const name of [...names].reverse()) reporter.handle(log(name, ["x"]));
    const colorOf = (name: string) =>
      new RegExp(`\x1b\\[(\\d+)m${name} *\x1b`).exec(output.text())?.[1];
    expect(names.map(colorOf)).toEqual(SERVICE_PALETTE.slice(0, 8).map(String));
  });

  it("pads berth's own lines like the services' from the first line on", () => {
    const output = memoryOutput();
    const reporter = new TerminalReporter({ output, color: true });
    reporter.setServices([{ name: "postgres" }]);
    reporter.handle({ type: "message", level: "warn", text: "early", time: 0 });
    reporter.handle(log("postgres", ["up"]));
    const [berth, postgres] = output.text().split("\n");
    // Same width once the escape codes are left out.
    const plain = (line: string) => stripVTControlCharacters(line);
    expect(plain(berth!)).toBe("berth    | early");
    expect(plain(postgres!)).toBe("postgres | up");
  });

  it("colours by default only when the output is a terminal (tests set NO_COLOR)", () => {
    const output = { ...memoryOutput(), isTTY: true };
    new TerminalReporter({ output, env: {} }).handle(log("api", ["x"]));
    expect(output.text()).toContain("\x1b[");
    const plain = { ...memoryOutput(), isTTY: true };
    new TerminalReporter({ output: plain }).handle(log("api", ["x"]));
    expect(plain.text()).toBe("api   | x\n");
  });

  it("says state changes in words", () => {
    const output = memoryOutput();
    const reporter = new TerminalReporter({ output, color: false });
    reporter.setServices([
      { name: "api", url: "http://localhost:3000", restart: { maxRestarts: 5 } },
      { name: "migrate" },
      { name: "worker" },
    ]);
    const state = (service: string, state: string, time: number, extra = {}) =>
      reporter.handle({
        type: "state",
        service,
        state,
        previous: "pending",
        time,
        restarts: 0,
        ...extra,
      } as SupervisorEvent);
    state("api", "starting", 1000, { pid: 4711 });
    state("api", "ready", 1312);
    state("migrate", "starting", 1000);
    state("migrate", "completed", 3500);
    state("worker", "starting", 3600);
    state("worker", "ready", 3600);
    state("api", "restarting", 4000, { exitCode: 1, restarts: 2 });
    state("api", "restarting", 5000, {
      reason: "exited with code 1; restarting in 400 ms (3/5)",
      restarts: 3,
    });
    state("worker", "restarting", 5000, { signal: "SIGKILL", restarts: 1 });
    state("worker", "failed", 6000, { reason: "crashed 5 times in 60 s" });
    state("worker", "pending", 6000);
    state("api", "stopping", 7000);
    state("api", "stopped", 7100, { reason: "stopped" });
    state("migrate", "stopped", 7100, { reason: "exited with code 0" });
    reporter.handle({
      type: "waiting",
      service: "api",
      on: "http://127.0.0.1:3000/health → 200",
      elapsedMs: 2000,
      last: "connection refused",
    });
    reporter.handle({
      type: "message",
      level: "error",
      text: "worker failed to start",
      details: ["Error: boom", "  at main.js:1"],
      time: 0,
    });
    expect(output.text().split("\n")).toEqual([
      "berth   | api is starting (pid 4711)",
      "berth   | api is ready at http://localhost:3000 (312 ms)",
      "berth   | migrate is starting",
      "berth   | migrate completed (2.5 s)",
      "berth   | worker is starting",
      "berth   | worker is ready",
      "berth   | api exited with code 1; restarting (2/5)",
      "berth   | api exited with code 1; restarting in 400 ms (3/5)",
      "berth   | worker killed by SIGKILL; restarting (restart 1)",
      "berth   | worker failed: crashed 5 times in 60 s",
      "berth   | stopping api",
      "berth   | api stopped",
      "berth   | migrate stopped: exited with code 0",
      "berth   | still waiting for api: http://127.0.0.1:3000/health → 200 (2 s; last: connection refused)",
      "berth   | worker failed to start",
      "berth   |   Error: boom",
      "berth   |     at main.js:1",
      "",
    ]);
  });

  it("drops log lines while the output is backed up, then says how many and where", async () => {
    // A slow destination: each write takes 20 ms to complete, 1 KiB high-water mark.
    const chunks: string[] = [];
    const output = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk.toString());
        setTimeout(callback, 20);
      },
    });
    const reporter = new TerminalReporter({
      output,
      color: false,
      maxBufferedBytes: 4096,
      cwd: "/project",
    });
    reporter.setServices([{ name: "api", logFile: "/project/.berth/logs/api.log" }]);
    const line = "x".repeat(100);
    for (let i = 0; i < 1000; i++) reporter.handle(log("api", [line, line]));
    // Bounded: never much more than the limit waiting in memory.
    expect(output.writableLength).toBeLessThan(4096 + 1024);
    await new Promise<void>((resolve) => output.once("drain", resolve));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const text = chunks.join("");
    const shown = text.split("\n").filter((l) => l.startsWith("api")).length;
    const notice = text.split("\n").find((l) => l.includes("not shown"));
    expect(shown).toBeLessThan(100);
    expect(notice).toBe(
      `berth | ${2000 - shown} lines of api not shown (output too slow; see .berth/logs/api.log)`,
    );
  });

  it("keeps dropping until the output has caught up, then tells, however slow it stays", async () => {
    const chunks: string[] = [];
    const output = new Writable({
      highWaterMark: 100,
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk.toString());
        setImmediate(callback);
      },
    });
    const reporter = new TerminalReporter({ output, color: false, maxBufferedBytes: 1000 });
    let sent = 0;
    // A service always faster than the output: two lines for each write completed.
    while (!chunks.join("").includes("not shown")) {
      reporter.handle(log("api", [`${sent++}`.padEnd(50, ".")]));
      reporter.handle(log("api", [`${sent++}`.padEnd(50, ".")]));
      await new Promise((resolve) => setImmediate(resolve));
      expect(sent).toBeLessThan(10_000);
    }
    reporter.handle({ type: "message", level: "info", text: "still here", time: 0 });
    await new Promise((resolve) => output.end(resolve));
    const lines = chunks.join("").split("\n");
    const shown = lines.filter((line) => line.startsWith("api")).length;
    const notice = /(\d+) lines of api not shown/.exec(chunks.join(""));
    expect(shown + Number(notice![1])).toBe(sent);
    expect(lines).toContain("berth | still here");
  });

  it("never drops its own lines, however far behind the output is", () => {
    const chunks: string[] = [];
    const output: Destination = {
      write: (text: string) => chunks.push(text),
      writableLength: 10_000,
      once: () => undefined,
      on: () => undefined,
    };
    const reporter = new TerminalReporter({ output, color: false, maxBufferedBytes: 100 });
    reporter.handle(log("api", ["dropped"]));
    reporter.handle({ type: "message", level: "error", text: "api failed", time: 0 });
    expect(chunks).toEqual(["berth | api failed\n"]);
  });

  it("gives at most one notice per interval to a reader that stays slow", async () => {
    const chunks: string[] = [];
    const events = new EventEmitter();
    let length = 0;
    const output: Destination = {
      write: (text: string) => chunks.push(text),
      get writableLength() {
        return length;
      },
      once: (event, listener) => events.once(event, listener),
      on: () => undefined,
    };
    const reporter = new TerminalReporter({
      output,
      color: false,
      maxBufferedBytes: 100,
      noticeIntervalMs: 100,
    });
    const notices = () => chunks.filter((text) => text.includes("not shown"));
    const stall = (lines: string[]) => {
      length = 1000;
      reporter.handle(log("api", lines));
      length = 0;
      events.emit("drain");
    };
    stall(["a", "b", "c"]);
    expect(notices()).toEqual(["berth | 3 lines of api not shown (output too slow)\n"]);
    stall(["d", "e"]);
    stall(["f"]);
    reporter.handle(log("api", ["shown"]));
    expect(notices()).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(notices()).toEqual([
      "berth | 3 lines of api not shown (output too slow)\n",
      "berth | 3 lines of api not shown (output too slow)\n",
    ]);
    expect(chunks.join("")).toContain("api   | shown\n");
  });

  it("prints a pending notice on flush", () => {
    let length = 10_000;
    const chunks: string[] = [];
    const output: Destination = {
      write: (text: string) => chunks.push(text),
      get writableLength() {
        return length;
      },
      once: () => undefined,
      on: () => undefined,
    };
    const reporter = new TerminalReporter({ output, color: false, maxBufferedBytes: 100 });
    reporter.handle(log("api", ["a", "b", "c"]));
    expect(chunks).toEqual([]);
    length = 0;
    reporter.flush();
    expect(chunks.join("")).toBe("berth | 3 lines of api not shown (output too slow)\n");
  });

  it("says '1 line' for one", async () => {
    let length = 10_000;
    const chunks: string[] = [];
    const output: Destination = {
      write: (text: string) => chunks.push(text),
      get writableLength() {
        return length;
      },
      once: () => undefined,
      on: () => undefined,
    };
    const reporter = new TerminalReporter({ output, color: false, maxBufferedBytes: 100 });
    reporter.handle(log("api", ["a"]));
    length = 0;
    await reporter.close();
    expect(chunks.join("")).toBe("berth | 1 line of api not shown (output too slow)\n");
    // Closed: nothing more is written.
    reporter.handle(log("api", ["b"]));
    expect(chunks).toHaveLength(1);
  });

  it("shows a terminal colours but no other control sequence of a service's output", () => {
    const output = { ...memoryOutput(), isTTY: true };
    const reporter = new TerminalReporter({ output, color: false });
    reporter.handle(log("api", ["\x1b]0;title\x07\x1b[2J\x1b[Hup \x1b[32mgreen\x1b[0m", "a\rb"]));
    reporter.handle({ type: "message", level: "info", text: "two\nlines", time: 0 });
    expect(output.text()).toBe(
      "api   | up \x1b[32mgreen\x1b[0m\napi   | ab\nberth | two\nberth | lines\n",
    );
  });

  it("gives a file or a pipe the service's output as the log file has it", () => {
    const output = memoryOutput();
    const reporter = new TerminalReporter({ output, color: false });
    reporter.handle(log("api", ["\x1b]0;title\x07up", "a\rb"]));
    expect(output.text()).toBe("api   | \x1b]0;title\x07up\napi   | a\rb\n");
  });

  it("masks the instance secret in service output and in its own lines", () => {
    const output = memoryOutput();
    const secret = "f41f".repeat(16);
    const reporter = new TerminalReporter({ output, color: false });
    reporter.hideSecret(secret);
    reporter.handle(log("api", [`admin key ${secret}`]));
    reporter.handle({
      type: "state",
      service: "api",
      state: "failed",
      previous: "starting",
      time: 0,
      restarts: 0,
      reason: `could not start \`server --admin-key ${secret}\``,
    });
    expect(output.text()).not.toContain(secret);
    expect(output.text()).toContain("api   | admin key ***f41f\n");
    expect(output.text()).toContain("could not start `server --admin-key ***f41f`");
  });

  it("stops writing, without throwing, once the output fails (EPIPE)", () => {
    let writes = 0;
    const output = new Writable({
      write(_chunk, _encoding, callback) {
        writes++;
        callback(Object.assign(new Error("write EPIPE"), { code: "EPIPE" }));
      },
    });
    const reporter = new TerminalReporter({ output, color: false });
    reporter.handle(log("api", ["one"]));
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        expect(() => reporter.handle(log("api", ["two"]))).not.toThrow();
        expect(writes).toBe(1);
        resolve();
      }),
    );
  });
});

describe("directDestination", () => {
  it("writes strings straight to the descriptor when stdout is a file", () => {
    const path = join(mkdtempSync(join(tmpdir(), "berth-output-")), "out.txt");
    const fd = openSync(path, "w");
    const stdout = Object.getOwnPropertyDescriptor(process, "stdout")!;
    const fake = { ...memoryOutput(), fd };
    Object.defineProperty(process, "stdout", { value: fake, configurable: true });
    try {
      const output = directDestination(process.stdout);
      expect(output).not.toBe(fake);
      new TerminalReporter({ output, color: false }).handle(log("api", ["to the file"]));
    } finally {
      Object.defineProperty(process, "stdout", stdout);
    }
    expect(readFileSync(path, "utf8")).toBe("api   | to the file\n");
    expect(fake.text()).toBe("");
  });

  it("writes a terminal through a pipe, whole lines, all out once closed", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "berth-output-")), "out.txt");
    const fd = openSync(path, "w");
    const stdout = Object.getOwnPropertyDescriptor(process, "stdout")!;
    const fake = { ...memoryOutput(), fd, isTTY: true };
    Object.defineProperty(process, "stdout", { value: fake, configurable: true });
    let reporter: TerminalReporter;
    try {
      reporter = new TerminalReporter({ color: false });
    } finally {
      Object.defineProperty(process, "stdout", stdout);
    }
    for (let i = 0; i < 1000; i++) reporter.handle(log("api", [`line ${i}`]));
    await reporter.close();
    const lines = readFileSync(path, "utf8").split("\n");
    expect(lines).toHaveLength(1001);
    expect(lines[999]).toBe("api   | line 999");
    expect(fake.text()).toBe("");
  });

  it("leaves pipes and other streams alone", () => {
    const socket = new Socket();
    expect(directDestination(socket)).toBe(socket);
    socket.destroy();
    const other = { ...memoryOutput(), fd: 1 };
    expect(directDestination(other)).toBe(other);
  });
});
