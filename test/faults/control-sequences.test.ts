import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runBerth } from "../helpers/cli.js";
import { berthBin } from "../helpers/project.js";
import { hasScript, inTerminal } from "../helpers/terminal.js";
import { node, projectWith } from "./project.js";

// Attack: a service writes terminal control sequences: a window title (`ESC]0;`), clear
// screen (`ESC[2J`), a cursor move. `berth run` and `berth logs` passed them on to the
// user's terminal, which obeyed.
const NOISY = `process.stdout.write("\\x1b]0;pwned\\x07\\x1b[2J\\x1b[5;1Hclear \\x1b[31mred\\x1b[0m\\n");
setInterval(() => {}, 1000);
`;
const RAW = "\x1b]0;pwned\x07\x1b[2J\x1b[5;1Hclear \x1b[31mred\x1b[0m";
const SHOWN = "clear \x1b[31mred\x1b[0m";

describe.skipIf(!hasScript)("control sequences in a service's output", () => {
  it("reach neither `berth run`'s output nor `berth logs`; colours do; the file keeps all", async () => {
    const dir = projectWith(
      `noisy: { command: [${node}, "noisy.mjs"], port: false, ready: { log: "red" } },`,
      { "noisy.mjs": NOISY },
    );
    // On a real terminal, which is what would obey them (NO_COLOR: berth's own prefixes
    // plain, the service's colours still pass).
    const run = inTerminal(`${JSON.stringify(process.execPath)} ${JSON.stringify(berthBin)} run`, {
      cwd: dir,
      env: { NO_COLOR: "1" },
    });
    await run.waitFor(/1 service up/, "berth run to start noisy");
    const logs = await runBerth(["logs", "noisy"], { cwd: dir });
    expect((await runBerth(["stop"], { cwd: dir })).code).toBe(0);
    expect(await run.exited).toBe(0);

    expect(run.text()).toContain(`noisy | ${SHOWN}\n`);
    expect(logs.output).toBe(`noisy | ${SHOWN}\n`);
    for (const output of [run.text(), logs.output]) {
      // eslint-disable-next-line no-control-regex -- the sequences that must not pass
      expect(output).not.toMatch(/\x1b\]|\x1b\[2J|\x1b\[5;1H|\x07/);
    }
    // Not running: `berth logs` reads the file, and shows it the same way.
    const offline = await runBerth(["logs", "noisy"], { cwd: dir });
    expect(offline.output).toContain(`noisy | ${SHOWN}\n`);
    expect(readFileSync(join(dir, ".berth", "logs", "noisy.log"), "utf8")).toContain(RAW);
  });
});
