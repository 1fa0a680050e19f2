import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Tests spawn real processes and bind real ports; a generous timeout absorbs a
    // loaded CI machine without hiding hangs (every wait inside a test has its own bound).
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores: more workers than that only makes process-heavy tests slower.
    maxWorkers: 2,
    setupFiles: ["test/helpers/setup.ts"],
    projects: [
      { extends: true, test: { name: "unit", include: ["src/**/*.test.ts"] } },
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["test/**/*.test.ts"],
          // These run dist/: refuse a missing or stale build rather than test it.
          globalSetup: ["test/helpers/dist-fresh.ts"],
        },
      },
    ],
  },
});
