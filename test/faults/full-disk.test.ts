import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runBerth, startBerth } from "../helpers/cli.js";
import { killTracked, waitFor } from "../helpers/processes.js";

// Attack: the disk is full, or read-only. berth said "internal error" with a stack, and a
// first run left an empty `.berth/.gitignore` that no later run repaired.

const mounts: string[] = [];

/** A fresh file system of 64 KiB holding a project: small enough to fill in a test. */
function tinyDisk(
  services: object = { task: { command: ["true"], oneshot: true } },
  size = "64k",
): string {
  const dir = mkdtempSync(join(tmpdir(), "berth-disk-"));
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size},mode=0755`, "tmpfs", dir]);
  mounts.push(dir);
  writeFileSync(join(dir, "berth.config.json"), JSON.stringify({ services }));
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

afterEach(async () => {
  // What ran there goes first (the setup's clean-up runs after this one), or it stays busy:
  // berth, then the services its guardian stops.
  await killTracked();
  for (const dir of mounts.splice(0)) {
    await waitFor(() => {
      for (const pid of runningIn(dir)) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // gone meanwhile
        }
      }
      try {
        execFileSync("umount", [dir], { stdio: "ignore" });
        return true;
      } catch {
        return false;
      }
    }, `${dir} to be unmounted`);
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The processes whose working directory is in `dir`: what this test started there. */
function runningIn(dir: string): number[] {
  return readdirSync("/proc").flatMap((name) => {
    try {
      return /^\d+$/.test(name) && readlinkSync(`/proc/${name}/cwd`).startsWith(dir)
        ? [Number(name)]
        : [];
    } catch {
      return [];
    }
  });
}

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

  it("a log file the disk has no more room for is said once; the host keeps running", async () => {
    // 400 kB of output into a 256 kB file system.
    const dir = tinyDisk(
      {
        writer: {
          command:
            "for i in $(seq 4000); do printf 'line %d %0100d\\n' $i 0; done; echo done; sleep 1000",
          port: false,
          ready: { log: "done" },
        },
      },
      "256k",
    );
    const berth = startBerth(["run"], { cwd: dir });
    await berth.waitForOutput(/writer is ready/);
    await berth.waitForOutput(/could not write/);
    const warning = new RegExp(
      `writer: could not write ${dir}/\\.berth/logs/writer\\.log \\(the disk is full\\); ` +
        "its output is not kept there until it can be written again",
      "g",
    );
    expect(berth.output().match(warning)).toHaveLength(1);
    expect(berth.output()).toMatch(/writer \| line 4000 0+\n/);
    berth.child.kill("SIGTERM");
    expect(await berth.exited).toBe(0);
  });
});
