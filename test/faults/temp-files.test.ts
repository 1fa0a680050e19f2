import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runBerth } from "../helpers/cli.js";
import { projectWith } from "./project.js";

// Attack: berth killed between writing an atomic write's temp file and renaming it. The
// `host.json.<pid>.<rand>.tmp` files stayed forever.
describe("temp files of atomic writes", () => {
  it("left by a killed berth are removed by the next start; a live writer's are kept", async () => {
    const dir = projectWith(`task: { command: ["true"], oneshot: true },`);
    const berthDir = join(dir, ".berth");
    mkdirSync(berthDir);
    const dead = spawnSync("true").pid; // exited and reaped: no such process any more
    const live = process.pid;
    const left = [
      `host.json.${dead}.0badc0de.tmp`,
      `state.json.${dead}.12345678.tmp`,
      `.gitignore.${dead}.9abcdef0.tmp`,
    ];
    const writing = `host.json.${live}.fedcba98.tmp`;
    for (const name of [...left, writing]) writeFileSync(join(berthDir, name), "{");

    const ran = await runBerth(["exec", "--", "true"], { cwd: dir });
    expect(ran.code).toBe(0);
    const tmp = readdirSync(berthDir).filter((name) => name.endsWith(".tmp"));
    expect(tmp).toEqual([writing]);
    expect(existsSync(join(berthDir, "state.json"))).toBe(true);
  });
});
