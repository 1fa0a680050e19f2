import { describe, expect, test } from "vitest";
import { BerthError } from "../errors.js";
import type { NormalizedConfig } from "./normalized.js";
import { selectServices } from "./select-services.js";
import { validateConfig } from "./validate.js";

const config: NormalizedConfig = validateConfig(
  {
    services: {
      db: { command: "db" },
      cache: { command: "cache" },
      api: { command: "api", dependsOn: ["db", "cache"] },
      web: { command: "web", dependsOn: { api: "ready" } },
      docs: { command: "docs" },
    },
  },
  "/app/berth.config.ts",
);

const names = (c: NormalizedConfig) => c.services.map((s) => s.name);

describe("selectServices", () => {
  test("keeps the services named and everything they depend on, in config order", () => {
    expect(names(selectServices(config, ["web"], "berth run"))).toEqual([
      "db",
      "cache",
      "api",
      "web",
    ]);
    expect(names(selectServices(config, ["docs", "db"], "berth run"))).toEqual(["db", "docs"]);
  });

  test("every service when none is named", () => {
    expect(selectServices(config, [], "berth run")).toBe(config);
    expect(selectServices(config, undefined, "--only")).toBe(config);
  });

  test("an unknown name is a usage error, with a guess when one is close", () => {
    const run = (name: string) => () => selectServices(config, [name], "--only");
    expect(run("wbe")).toThrow(
      new BerthError(
        "USAGE",
        '--only: no service named "wbe" in /app/berth.config.ts; did you mean "web"? ' +
          "Its services are: db, cache, api, web, docs.",
      ),
    );
    expect(run("queue")).toThrow(
      '--only: no service named "queue" in /app/berth.config.ts. Its services are: db, cache, api, web, docs.',
    );
  });
});
