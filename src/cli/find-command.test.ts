import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { tempProject } from "../../test/helpers/project.js";
import { BerthError } from "../errors.js";
import { findCommand } from "./find-command.js";

function failure(run: () => unknown): { code: string; exitCode: number; message: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof BerthError) return error;
    throw error;
  }
  throw new Error("expected an error");
}

describe("findCommand", () => {
  const dir = tempProject();
  mkdirSync(join(dir, "bin"));
  mkdirSync(join(dir, "other"));
  writeFileSync(join(dir, "bin", "tool"), "#!/bin/sh\n");
  chmodSync(join(dir, "bin", "tool"), 0o755);
  writeFileSync(join(dir, "other", "plain"), "");
  chmodSync(join(dir, "other", "plain"), 0o644);
  mkdirSync(join(dir, "other", "folder"));
  const path = [join(dir, "other"), join(dir, "bin")].join(":");

  test("finds a name on PATH, as a shell does", () => {
    expect(findCommand("tool", { cwd: dir, path })).toBe(join(dir, "bin", "tool"));
    // An empty entry is the current folder.
    expect(findCommand("tool", { cwd: join(dir, "bin"), path: ":/nowhere" })).toBe(
      join(dir, "bin", "tool"),
    );
  });

  test("skips PATH entries that are files, as a shell does", () => {
    // `other/plain` is a file: looking inside it fails with ENOTDIR.
    const odd = [join(dir, "other", "plain"), join(dir, "bin")].join(":");
    expect(findCommand("tool", { cwd: dir, path: odd })).toBe(join(dir, "bin", "tool"));
  });

  test("a name nowhere on PATH is 127, naming it", () => {
    const error = failure(() => findCommand("vitset", { cwd: dir, path }));
    expect(error).toMatchObject({ code: "COMMAND_NOT_FOUND", exitCode: 127 });
    expect(error.message).toMatch(/^vitset: command not found on PATH; nothing was started\./);
  });

  test("a file on PATH that cannot run is 126", () => {
    const error = failure(() => findCommand("plain", { cwd: dir, path }));
    expect(error).toMatchObject({ code: "COMMAND_NOT_EXECUTABLE", exitCode: 126 });
  });

  test("a path is taken from the current folder, never looked up on PATH", () => {
    expect(findCommand("./bin/tool", { cwd: dir, path: "" })).toBe(join(dir, "bin", "tool"));
    expect(failure(() => findCommand("./tool", { cwd: dir, path }))).toMatchObject({
      code: "COMMAND_NOT_FOUND",
      message: "./tool: no such file; nothing was started.",
    });
    expect(failure(() => findCommand("other/plain", { cwd: dir, path }))).toMatchObject({
      code: "COMMAND_NOT_EXECUTABLE",
    });
    expect(failure(() => findCommand("other/folder", { cwd: dir, path })).message).toBe(
      `other/folder: ${join(dir, "other", "folder")} is a folder; nothing was started.`,
    );
  });
});
