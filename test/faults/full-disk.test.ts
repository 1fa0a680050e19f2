import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runBerth } from "../helpers/cli.js";

// Attack: the disk is full, or read-only. berth said "internal error" with a stack, and a
// first run left an empty `.berth/.gitignore` that no later run repaired.

const mounts: string[] = [];

/** A fresh 64 KiB file system holding a project: small enough to fill in a test. */
function tinyDisk(): string {
  const dir = mkdtempSync(join(tmpdir(), "berth-disk-"));
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs", dir]);
  mounts.push(dir);
  writeFileSync(
    join(dir, "berth.config.json"),
    JSON.stringify({ services: { task: { command: ["true"], oneshot: true } } }),
  );
  return dir;
}

/** Fills the file system to the last byte. */
function fill(dir: string): string {
  const filler = join(dir, "filler");
  try {
    writeFileSync(filler, Buffer.alloc(128 * 1024));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
  }
  return filler;
}

afterEach(() => {
  for (const dir of mounts.splice(0)) {
    execFileSync("umount", [dir]);
    rmSync(dir, { recursive: true, force: true });
  }
});

describe("berth's own files on a full or read-only disk", () => {
  it("a full disk is the user's to fix, said so, and .gitignore is right once there is room", async () => {
    const dir = tinyDisk();
    const filler = fill(dir);

    const full = await runBerth(["run"], { cwd: dir });
    expect(full.output).not.toMatch(/internal error|bug|\n\s+at /);
    expect(full.output).toMatch(
      new RegExp(`error Could not write ${dir}/\\.berth/\\S+: the disk is full\\. Free some space`),
    );
    expect(full.code).toBe(3);
    const gitignore = join(dir, ".berth", ".gitignore");
    // Never left there empty: whole or not at all.
    if (existsSync(gitignore)) expect(readFileSync(gitignore, "utf8")).toBe("*\n");

    rmSync(filler);
    // As an older berth left it after a full disk.
    writeFileSync(gitignore, "");
    const ran = await runBerth(["exec", "--", "true"], { cwd: dir });
    expect(ran.output).toBe("");
    expect(ran.code).toBe(0);
    expect(readFileSync(gitignore, "utf8")).toBe("*\n");
  });

  it("a read-only disk is the user's to fix, said so", async () => {
    const dir = tinyDisk();
    execFileSync("mount", ["-o", "remount,ro", dir]);
    const result = await runBerth(["run", "--detach"], { cwd: dir });
    expect(result.output).not.toMatch(/internal error|bug|\n\s+at /);
    expect(result.output).toContain(
      `error Could not create the folder ${dir}/.berth: the file system is read-only.`,
    );
    expect(result.code).toBe(3);
  });
});
