import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { tempProject } from "../../test/helpers/project.js";
import { defineConfig } from "./types.js";
import { validateConfig } from "./validate.js";

// What users write, type-checked against the types they import: the new fields' documented
// shapes must be both accepted by TypeScript and by validation.
test("the documented shapes of envFile, url, scheme and watch type-check and validate", () => {
  const config = defineConfig({
    envFile: [".env", { path: ".env.local", optional: true }],
    services: {
      db: { command: "postgres -p {{port}}", url: "postgres://postgres@localhost:{{port}}/app" },
      cache: { command: "redis-server --port {{port}}", scheme: "redis" },
      api: {
        command: ["node", "src/server.js"],
        envFile: "api.env",
        port: "auto",
        watch: { paths: ["src/**/*.ts", "package.json"], ignore: "**/*.test.ts", debounce: "1s" },
      },
      worker: { command: "node worker.js", watch: "src" },
      web: { command: "vite", watch: ["src/**/*.tsx"], port: false },
    },
  });
  const dir = tempProject({ ".env": "A=1\n", "api.env": "B=2\n" });
  mkdirSync(join(dir, "src"));
  writeFileSync(join(dir, "berth.config.ts"), "");
  const services = validateConfig(config, join(dir, "berth.config.ts")).services;
  expect(services.map((s) => [s.name, s.port !== null])).toEqual([
    ["db", true],
    ["cache", true],
    ["api", true],
    ["worker", false],
    ["web", false],
  ]);
});
