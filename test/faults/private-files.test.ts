import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { runBerth } from "../helpers/cli.js";
import { waitFor } from "../helpers/processes.js";
import { detach, node, projectWith, walk } from "./project.js";

const ARGS = `console.log("args: " + process.argv.slice(2).join(" "));
setInterval(() => {}, 1000);
`;

// Attack: another local user reads `.berth/`. Its logs were 0755 with 0644 files, and the
// log held the service's command line, instance secret included.
describe("the project's .berth folder", () => {
  it("is private to the user, and berth writes the secret to state.json only", async () => {
    // The service prints its own command line, as many servers do when they start.
    const dir = projectWith(
      `api: { command: [${node}, "args.mjs", "--admin-key", "{{instance.secret}}"],
              port: false, ready: { log: "admin" } },`,
      { "args.mjs": ARGS },
    );
    // What an older berth left: readable by everyone.
    const berthDir = join(dir, ".berth");
    mkdirSync(join(berthDir, "logs"), { recursive: true });
    mkdirSync(join(berthDir, "data", "api"), { recursive: true });
    for (const [file, text] of [
      [".gitignore", "*\n"],
      ["host.log", "old\n"],
      ["logs/api.log", "old\n"],
      ["logs/api.log.1", "older\n"],
    ] as const) {
      writeFileSync(join(berthDir, file), text);
      chmodSync(join(berthDir, file), 0o644);
    }
    for (const folder of ["", "logs", "data", "data/api"]) chmodSync(join(berthDir, folder), 0o755);

    const output = [await detach(dir)];
    const logFile = join(berthDir, "logs", "api.log");
    await waitFor(() => readFileSync(logFile, "utf8").includes("args:"), "api's first line");
    const logs = await runBerth(["logs", "api"], { cwd: dir });
    output.push(logs.output, (await runBerth(["stop"], { cwd: dir })).output);

    const open = walk(berthDir)
      .concat(berthDir)
      .filter((path) => (statSync(path).mode & 0o077) !== 0)
      .map((path) => relative(dir, path));
    expect(open).toEqual([]);

    const secret = (
      JSON.parse(readFileSync(join(berthDir, "state.json"), "utf8")) as {
        instance: { secret: string };
      }
    ).instance.secret;
    const holding = walk(berthDir)
      .filter((path) => statSync(path).isFile() && readFileSync(path, "utf8").includes(secret))
      .map((path) => relative(berthDir, path));
    // The service's own output is kept as it wrote it; berth's lines are masked.
    expect(holding.sort()).toEqual(["logs/api.log", "state.json"]);
    expect(readFileSync(logFile, "utf8")).not.toMatch(new RegExp(`--- starting.*${secret}`));
    expect(readFileSync(logFile, "utf8")).toContain(`--admin-key ***${secret.slice(-4)}`);
    expect(output.join("")).not.toContain(secret);
    expect(logs.output).toContain(`--admin-key ***${secret.slice(-4)}`);
  });
});
