import { describe, expect, test } from "vitest";
import { isBerthError } from "../errors.js";
import { validateConfig } from "./validate.js";

const file = "/work/app/berth.config.ts";
const watchOf = (watch: unknown) =>
  validateConfig({ services: { api: { command: "x", watch } } }, file).services[0]!.watch;

function problems(watch: unknown): string[] {
  try {
    validateConfig({ services: { api: { command: "x", watch } } }, file);
  } catch (error) {
    if (isBerthError(error, "CONFIG_INVALID")) return error.details;
    throw error;
  }
  throw new Error("expected the config to be invalid");
}

const ignored = ["**/node_modules/**", "**/.git/**", "**/.berth/**"];

describe("watch", () => {
  test("a glob, a list, or an object; node_modules, .git and .berth are always left out", () => {
    expect(watchOf("src/**/*.ts")).toEqual({
      paths: ["src/**/*.ts"],
      ignore: ignored,
      debounceMs: 300,
    });
    expect(watchOf(["src", "package.json"])).toEqual({
      paths: ["src", "package.json"],
      ignore: ignored,
      debounceMs: 300,
    });
    expect(watchOf({ paths: "src", ignore: ["**/*.test.ts"], debounce: "1s" })).toEqual({
      paths: ["src"],
      ignore: [...ignored, "**/*.test.ts"],
      debounceMs: 1000,
    });
  });

  test("none by default", () => {
    expect(watchOf(undefined)).toBeUndefined();
  });

  test("problems", () => {
    expect(problems([])).toEqual([
      'services.api.watch: expected at least one path or glob, like ["src/**/*.ts"], got []',
    ]);
    expect(problems(true)).toEqual([
      'services.api.watch: expected a glob like "src/**/*.ts", an array of globs, or { paths, ignore, debounce }, got true',
    ]);
    expect(problems({ path: "src" })).toEqual([
      'services.api.watch.paths: missing; expected a path or glob like "src/**/*.ts", or an array of them',
      "services.api.watch.path: unknown key; did you mean `paths`?",
    ]);
    expect(problems({ paths: ["src", ""], debounce: "soon" })).toEqual([
      'services.api.watch.paths[1]: expected a path or glob like "src/**/*.ts", got ""',
      'services.api.watch.debounce: expected a duration: milliseconds as a number, or a string like "500ms", "10s", "2m", got "soon"',
    ]);
  });
});
