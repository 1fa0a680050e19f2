import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runBerth } from "./helpers/cli.js";
import { tempProject } from "./helpers/project.js";

/** A project with a command of its own in node_modules/.bin, as `npm install vite` leaves. */
function projectWithLocalTool(): string {
  const dir = tempProject({
    "berth.config.mjs": `export default {
      services: { tool: { command: "local-tool service", port: false, oneshot: true } },
    };\n`,
  });
  mkdirSync(join(dir, "node_modules", ".bin"), { recursive: true });
  const tool = join(dir, "node_modules", ".bin", "local-tool");
  writeFileSync(tool, '#!/bin/sh\necho "local-tool ran for $1"\n');
  chmodSync(tool, 0o755);
  return dir;
}

describe("the project's node_modules/.bin", () => {
  it("is on a service's PATH however berth was started", async () => {
    const dir = projectWithLocalTool();
    const elsewhere = tempProject();
    const result = await runBerth(["run", "--config", join(dir, "berth.config.mjs")], {
      cwd: elsewhere,
    });
    expect(result.output).toContain("local-tool ran for service");
    expect(result.code).toBe(0);
  });

  it("is where berth exec finds its command", async () => {
    const dir = projectWithLocalTool();
    const result = await runBerth(["exec", "--", "local-tool", "exec"], { cwd: dir });
    expect(result.output).toContain("local-tool ran for exec");
    expect(result.code).toBe(0);
  });
});
