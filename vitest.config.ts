import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Tests spawn real processes and bind real ports; a generous timeout absorbs a
    // loaded CI machine without hiding hangs (every wait inside a test has its own bound).
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores: more workers than that only makes process-heavy tests slower.
    maxWorkers: 2,
    setupFiles: ["test/helpers/setup.ts"],
  },
});
