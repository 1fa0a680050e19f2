import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempProject } from "../../test/helpers/project.js";
import { removeLeftoverTempFiles, writeFileAtomic, writeFileAtomicSync } from "./atomic-write.js";

describe.each([
  ["writeFileAtomic", writeFileAtomic],
  ["writeFileAtomicSync", writeFileAtomicSync],
])("%s", (_name, write) => {
  it("replaces the file whole, mode 0600, and leaves no temp file", async () => {
    const dir = tempProject({ "host.json": "old" });
    await write(join(dir, "host.json"), "new\n");
    expect(readFileSync(join(dir, "host.json"), "utf8")).toBe("new\n");
    expect(statSync(join(dir, "host.json")).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(["host.json"]);
  });

  it("names the file meant when the write fails", async () => {
    const dir = tempProject();
    const file = join(dir, "missing", "host.json");
    await expect(Promise.resolve().then(() => write(file, "x"))).rejects.toMatchObject({
      code: "ENOENT",
      path: file,
    });
  });
});

describe("removeLeftoverTempFiles", () => {
  it("removes the temp files of writers that are gone, and only those", async () => {
    const dead = spawnSync("true").pid;
    const project = tempProject({
      [`.berth/host.json.${dead}.0123abcd.tmp`]: "{",
      [`.berth/state.json.${dead}.89abcdef.tmp`]: "{",
      [`.berth/host.json.${process.pid}.0123abcd.tmp`]: "{",
      [`.berth/notes.${dead}.tmp`]: "not ours",
      ".berth/host.json": "{}",
    });
    const removed = await removeLeftoverTempFiles(join(project, ".berth"));
    expect(removed.sort()).toEqual([
      `host.json.${dead}.0123abcd.tmp`,
      `state.json.${dead}.89abcdef.tmp`,
    ]);
    expect(readdirSync(join(project, ".berth")).sort()).toEqual([
      "host.json",
      `host.json.${process.pid}.0123abcd.tmp`,
      `notes.${dead}.tmp`,
    ]);
  });
});
