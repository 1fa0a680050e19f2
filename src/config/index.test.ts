import { realpathSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { tempProject } from "../../test/helpers/project.js";
import { resolveConfig } from "./index.js";

describe("resolveConfig", () => {
  test("finds, loads and validates the project's config", async () => {
    const dir = realpathSync(
      tempProject({
        "berth.config.ts": `
          import { defineConfig } from "berth-dev";
          export default defineConfig({
            name: "shop",
            services: {
              api: { command: ["node", "api.js"], port: 4000, ready: { http: "/health" } },
              worker: { command: "node worker.js", dependsOn: ["api"], env: { API: "{{services.api.url}}" } },
            },
          });
        `,
        "src/index.ts": "",
      }),
    );
    const config = await resolveConfig({ cwd: join(dir, "src") });
    expect(config.file).toBe(join(dir, "berth.config.ts"));
    expect(config.projectDir).toBe(dir);
    expect(config.name).toBe("shop");
    expect(config.services.map((s) => [s.name, s.port, s.dependsOn])).toEqual([
      ["api", { mode: "preferred", port: 4000 }, []],
      // Nothing needs a port of the worker's: it gets none.
      ["worker", null, [{ name: "api", condition: "ready" }]],
    ]);
  });

  test("an invalid config fails with CONFIG_INVALID naming the file", async () => {
    const dir = realpathSync(
      tempProject({ "berth.config.json": JSON.stringify({ services: { api: { comand: "x" } } }) }),
    );
    await expect(
      resolveConfig({ cwd: dir, configPath: "berth.config.json" }),
    ).rejects.toMatchObject({
      code: "CONFIG_INVALID",
      message: `Invalid config ${join(dir, "berth.config.json")} (2 problems); fix them and try again.`,
      details: [
        "services.api.command: missing; expected a command: a string run by /bin/sh, or an argv array of strings (or a `binary` to download)",
        "services.api.comand: unknown key; did you mean `command`?",
      ],
    });
  });
});
