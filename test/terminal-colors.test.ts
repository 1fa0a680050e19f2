import { stripVTControlCharacters } from "node:util";
import { describe, expect, it } from "vitest";
import { runBerth } from "./helpers/cli.js";
import { berthBin, tempProject } from "./helpers/project.js";
import { hasScript, inTerminal } from "./helpers/terminal.js";

const says = (text: string) => [process.execPath, "-e", `console.log(${text})`];
const printsForceColor = says("'FORCE_COLOR=' + process.env.FORCE_COLOR");

// Eight services, each printing what FORCE_COLOR it got and then done.
const services = {
  web: { command: printsForceColor, oneshot: true },
  "no-color": { command: printsForceColor, oneshot: true, env: { NO_COLOR: "1" } },
  "own-choice": { command: printsForceColor, oneshot: true, env: { FORCE_COLOR: "0" } },
  ...Object.fromEntries(
    ["api", "worker", "db", "cache", "queue"].map((name) => [
      name,
      { command: says(`'${name} here'`), oneshot: true },
    ]),
  ),
};

const run = `${JSON.stringify(process.execPath)} ${JSON.stringify(berthBin)} run`;

/** Runs the project on a real terminal until every service has completed. */
async function runOnTerminal(env: NodeJS.ProcessEnv): Promise<string> {
  const dir = tempProject({
    "berth.config.json": JSON.stringify({ services }),
    // A corrupt state file: berth warns about it before it starts anything.
    ".berth/state.json": "{ not json",
  });
  // Node reports 16 colours on any terminal when CI is set: the depth would then be CI's.
  const terminal = inTerminal(run, { cwd: dir, env: { CI: undefined, ...env } });
  expect(await terminal.exited).toBe(0);
  return terminal.text();
}

const lineOf = (text: string, prefix: string) =>
  text.split("\n").find((line) => stripVTControlCharacters(line).startsWith(prefix));

describe.skipIf(!hasScript)("berth run's colours on a real terminal", () => {
  it("gives services FORCE_COLOR and eight distinct colours, in config order", async () => {
    const text = await runOnTerminal({ NO_COLOR: undefined, TERM: "xterm-256color" });
    const plain = stripVTControlCharacters(text);
    // The depth of berth's terminal (256 colours), unless the service's env says otherwise.
    expect(plain).toContain("web        | FORCE_COLOR=2\n");
    expect(plain).toContain("no-color   | FORCE_COLOR=undefined\n");
    expect(plain).toContain("own-choice | FORCE_COLOR=0\n");
    const names = Object.keys(services);
    // Each line opens with its service's colour: ESC [ <code> m.
    const colourOf = (line = "") =>
      line.startsWith("\x1b[") ? line.slice(2, line.indexOf("m")) : "";
    const colours = names.map((name) => colourOf(lineOf(text, `${name} `)));
    expect(colours).toEqual(["36", "33", "32", "35", "94", "93", "92", "95"]);
  });

  it("pads berth's lines like the services', from the very first one", async () => {
    const text = stripVTControlCharacters(
      await runOnTerminal({ NO_COLOR: undefined, TERM: "xterm-256color" }),
    );
    const own = text.split("\n").filter((line) => line.startsWith("berth"));
    expect(own[0]).toMatch(/^berth {6}\| .*state\.json/);
    for (const line of own) expect(line).toMatch(/^berth {6}\| /);
  });

  it("leaves colour to the user's NO_COLOR or FORCE_COLOR", async () => {
    const off = await runOnTerminal({ NO_COLOR: "1" });
    expect(off).not.toContain("\x1b[");
    expect(off).toContain("web        | FORCE_COLOR=undefined\n");
    const forced = stripVTControlCharacters(await runOnTerminal({ FORCE_COLOR: "3" }));
    expect(forced).toContain("web        | FORCE_COLOR=3\n");
    expect(forced).toContain("own-choice | FORCE_COLOR=0\n");
  });
});

describe("berth run's colours without a terminal", () => {
  it("gives services no FORCE_COLOR when its output is not a terminal", async () => {
    const dir = tempProject({ "berth.config.json": JSON.stringify({ services }) });
    const result = await runBerth(["run"], { cwd: dir, env: { NO_COLOR: undefined } });
    expect(result.code).toBe(0);
    expect(result.output).not.toContain("\x1b[");
    expect(result.output).toContain("web        | FORCE_COLOR=undefined\n");
  });
});
