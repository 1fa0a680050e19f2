import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ExitCode } from "../src/errors.js";
import { runBerth } from "./helpers/cli.js";
import { waitFor } from "./helpers/processes.js";
import { berthBin, tempProject } from "./helpers/project.js";
import { hasScript, inTerminal } from "./helpers/terminal.js";

const LINES = 200_000;

// Writes LINES numbered lines as fast as its pipe takes them, then stays up.
const flood = `
let i = 0;
const more = () => {
  let chunk = "";
  for (let k = 0; k < 2000 && i < ${LINES}; k++) chunk += i++ + " " + "x".repeat(30) + "\\n";
  if (chunk) process.stdout.write(chunk, more);
  else require("node:fs").writeFileSync("flood.done", "");
};
more();
setInterval(() => {}, 60_000);
`;

// Fails, again and again, once the flood is over: berth's crash-loop lines come while the
// terminal is still far behind.
const crashy = `
const { existsSync } = require("node:fs");
setInterval(() => existsSync("flood.done") && process.exit(1), 5);
`;

const config = JSON.stringify({
  services: {
    flood: { command: [process.execPath, "flood.cjs"], port: false },
    crashy: {
      command: [process.execPath, "crashy.cjs"],
      port: false,
      restart: { policy: "on-failure", maxRestarts: 2, delay: "10ms" },
    },
  },
});

/** The end of a file, for a cheap look at its last lines. */
function tail(path: string, bytes = 200): string {
  if (!existsSync(path)) return "";
  const size = statSync(path).size;
  const fd = openSync(path, "r");
  try {
    const buffer = Buffer.alloc(Math.min(bytes, size));
    readSync(fd, buffer, 0, buffer.length, size - buffer.length);
    return buffer.toString();
  } finally {
    closeSync(fd);
  }
}

describe.skipIf(!hasScript)("berth run flooded on a real terminal", () => {
  it("shows whole lines, counts exactly what it leaves out, and never drops its own", async () => {
    const dir = tempProject({
      "berth.config.json": config,
      "flood.cjs": flood,
      "crashy.cjs": crashy,
    });
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(berthBin)} run`;
    // Nobody reads until every line has reached berth: most of them cannot be shown.
    const terminal = inTerminal(command, { cwd: dir, paused: true });
    const log = join(dir, ".berth", "logs", "flood.log");
    await waitFor(
      () => tail(log).includes(`\n${LINES - 1} x`),
      "the flood's last line in its log",
      30_000,
    );
    terminal.resume();
    await terminal.waitFor(/crashy failed/, "the crash loop's line");
    const stop = await runBerth(["stop"], { cwd: dir });
    expect(stop.code).toBe(0);
    // One service failed: berth's exit code says so.
    expect(await terminal.exited).toBe(ExitCode.serviceFailed);

    let shown = 0;
    let notShown = 0;
    let last = -1;
    const own: string[] = [];
    const others: string[] = [];
    for (const line of terminal.text().split("\n")) {
      const service = /^flood {2}\| (\d+) x{30}$/.exec(line);
      const notice =
        /^berth {2}\| (\d+) lines? of flood not shown \(output too slow; see \.berth\/logs\/flood\.log\)$/.exec(
          line,
        );
      if (service) {
        // In order, each at most once.
        expect(Number(service[1])).toBeGreaterThan(last);
        last = Number(service[1]);
        shown++;
      } else if (notice) notShown += Number(notice[1]);
      // Without the timings, which vary.
      else if (line.startsWith("berth  | "))
        own.push(line.slice(9).replace(/ \([\d.]+ m?s\)$/, ""));
      else if (line !== "") others.push(line);
    }
    expect(others).toEqual([]);
    expect(notShown).toBeGreaterThan(0);
    expect(shown + notShown).toBe(LINES);
    expect(own).toEqual(
      expect.arrayContaining([
        "flood is ready",
        "crashy is ready",
        "all 2 services up",
        "crashy exited with code 1; restarting in 10 ms (1/2)",
        "crashy exited with code 1; restarting in 20 ms (2/2)",
        "crashy failed: exited with code 1; crash loop: restarted 2 times within 60 s, giving up",
        "stopping flood",
        "flood stopped",
      ]),
    );
  });
});
