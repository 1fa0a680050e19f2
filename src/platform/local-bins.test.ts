import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { tempProject } from "../../test/helpers/project.js";
import { withLocalBins } from "./local-bins.js";

describe("withLocalBins", () => {
  test("puts every node_modules/.bin from the folder up first, nearest first", () => {
    const dir = tempProject();
    mkdirSync(join(dir, "node_modules", ".bin"), { recursive: true });
    mkdirSync(join(dir, "web", "node_modules", ".bin"), { recursive: true });
    mkdirSync(join(dir, "web", "src"), { recursive: true });
    expect(withLocalBins("/usr/bin:/bin", join(dir, "web", "src"))).toBe(
      [
        join(dir, "web", "node_modules", ".bin"),
        join(dir, "node_modules", ".bin"),
        "/usr/bin",
        "/bin",
      ].join(":"),
    );
  });

  test("leaves the path alone where there is none", () => {
    const dir = tempProject();
    expect(withLocalBins("/usr/bin", dir)).toBe("/usr/bin");
  });
});
