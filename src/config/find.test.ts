import { mkdirSync, realpathSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { tempProject } from "../../test/helpers/project.js";
import { isBerthError } from "../errors.js";
import { findConfig } from "./find.js";

const config = "export default {};\n";

function notFound(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isBerthError(error, "CONFIG_NOT_FOUND")) return error.message;
    throw error;
  }
  throw new Error("expected CONFIG_NOT_FOUND");
}

describe("findConfig", () => {
  test("walks up from a nested folder to the nearest config", () => {
    const dir = realpathSync(tempProject({ "berth.config.ts": config, "src/deep/x.txt": "" }));
    expect(findConfig(join(dir, "src", "deep"))).toBe(join(dir, "berth.config.ts"));
  });

  test("the nearest folder wins", () => {
    const dir = realpathSync(
      tempProject({ "berth.config.ts": config, "app/berth.config.mjs": config }),
    );
    expect(findConfig(join(dir, "app"))).toBe(join(dir, "app", "berth.config.mjs"));
    expect(findConfig(dir)).toBe(join(dir, "berth.config.ts"));
  });

  test("two configs in one folder is an error naming both, also for --config <folder>", () => {
    const dir = realpathSync(
      tempProject({ "app/berth.config.ts": config, "app/berth.config.mjs": config }),
    );
    const message =
      `${join(dir, "app")} holds 2 berth configs: berth.config.ts and berth.config.mjs. ` +
      "berth cannot tell which one is the project's: delete or rename the ones you do not use, " +
      "or pass --config <file>.";
    for (const find of [() => findConfig(join(dir, "app")), () => findConfig(dir, "app")]) {
      expect(find).toThrow(message);
      try {
        find();
      } catch (error) {
        expect(isBerthError(error, "CONFIG_AMBIGUOUS")).toBe(true);
        expect((error as { exitCode: number }).exitCode).toBe(3);
      }
    }
    // Naming the file settles it.
    expect(findConfig(dir, "app/berth.config.ts")).toBe(join(dir, "app", "berth.config.ts"));
  });

  test("returns the real path of a symlinked project", () => {
    const dir = realpathSync(tempProject({ "real/berth.config.json": "{}" }));
    symlinkSync(join(dir, "real"), join(dir, "link"));
    expect(findConfig(join(dir, "link"))).toBe(join(dir, "real", "berth.config.json"));
  });

  test("not found says where it looked and what to do", () => {
    const dir = tempProject({ "empty/.keep": "" });
    expect(notFound(() => findConfig(join(dir, "empty")))).toBe(
      `No berth config found in ${join(dir, "empty")} or any folder above it (looked for berth.config.ts, berth.config.mts, berth.config.js, berth.config.mjs, berth.config.json). Create berth.config.ts in your project's folder, or pass --config <file>.`,
    );
  });

  test("an explicit file, relative to cwd, with any name", () => {
    const dir = realpathSync(tempProject({ "conf/dev.config.ts": config }));
    expect(findConfig(dir, "conf/dev.config.ts")).toBe(join(dir, "conf", "dev.config.ts"));
    expect(findConfig("/", join(dir, "conf/dev.config.ts"))).toBe(
      join(dir, "conf", "dev.config.ts"),
    );
  });

  test("an explicit folder means the config inside it, without walking up", () => {
    const dir = realpathSync(tempProject({ "berth.config.ts": config, "sub/x.txt": "" }));
    mkdirSync(join(dir, "other"));
    expect(findConfig(dir, ".")).toBe(join(dir, "berth.config.ts"));
    expect(notFound(() => findConfig(dir, "sub"))).toBe(
      `No berth config found in ${join(dir, "sub")} (given by --config; looked for berth.config.ts, berth.config.mts, berth.config.js, berth.config.mjs, berth.config.json). Create berth.config.ts there, or pass the config file itself to --config.`,
    );
  });

  test("an explicit path that does not exist", () => {
    const dir = tempProject();
    expect(notFound(() => findConfig(dir, "nope.ts"))).toBe(
      `Config file ${join(dir, "nope.ts")} does not exist (given by --config nope.ts). Check the path, or leave --config out to find berth.config.ts from the current folder up.`,
    );
  });
});
