import { describe, expect, test } from "vitest";
import { BerthError, isBerthError } from "../errors.js";
import { ConfigExitError, configTimeoutMs, guardLoad } from "./load-guard.js";

describe("configTimeoutMs", () => {
  test("10 s unless BERTH_CONFIG_TIMEOUT says otherwise", () => {
    expect(configTimeoutMs({})).toBe(10_000);
    expect(configTimeoutMs({ BERTH_CONFIG_TIMEOUT: "" })).toBe(10_000);
    expect(configTimeoutMs({ BERTH_CONFIG_TIMEOUT: "30s" })).toBe(30_000);
    expect(configTimeoutMs({ BERTH_CONFIG_TIMEOUT: "2500" })).toBe(2500);
  });

  test.each(["0", "soon", "-1s", "30d"])("BERTH_CONFIG_TIMEOUT=%s is a usage error", (value) => {
    expect(() => configTimeoutMs({ BERTH_CONFIG_TIMEOUT: value })).toThrow(
      /^BERTH_CONFIG_TIMEOUT: expected a duration/,
    );
  });
});

describe("guardLoad", () => {
  test("passes the value through and leaves process.exit as it was", async () => {
    const exit = process.exit;
    expect(await guardLoad("/p/berth.config.ts", () => Promise.resolve(42), 1000)).toBe(42);
    expect(process.exit).toBe(exit);
  });

  test("a process.exit() call during loading rejects instead of exiting", async () => {
    const exit = process.exit;
    const loading = guardLoad(
      "/p/berth.config.ts",
      async () => {
        await Promise.resolve();
        process.exit(0);
      },
      1000,
    );
    await expect(loading).rejects.toBeInstanceOf(ConfigExitError);
    await expect(loading).rejects.toThrow("called process.exit(0)");
    expect(process.exit).toBe(exit);
  });

  test("an error thrown from a callback of the config rejects", async () => {
    const loading = guardLoad(
      "/p/berth.config.ts",
      () =>
        new Promise(() => {
          setImmediate(() => {
            throw new Error("from a callback");
          });
        }),
      5000,
    );
    await expect(loading).rejects.toThrow("from a callback");
  });

  test("loading that outlives the time limit says which file and what it waits on", async () => {
    let timer: NodeJS.Timeout | undefined;
    const loading = guardLoad(
      "/p/berth.config.ts",
      () => new Promise(() => (timer = setTimeout(() => {}, 60_000))),
      50,
    );
    const error = await loading.catch((e: unknown) => e);
    clearTimeout(timer);
    expect(isBerthError(error, "CONFIG_LOAD_FAILED")).toBe(true);
    expect((error as BerthError).message).toMatch(
      /^Cannot load \/p\/berth\.config\.ts: it did not finish loading within 50 ms; it is still waiting on a timer\. .*BERTH_CONFIG_TIMEOUT/,
    );
  });
});
