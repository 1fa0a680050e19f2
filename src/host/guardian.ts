import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../version.js";

/**
 * The host's side of the guardian (see guardian-main.ts): starts it, and tells it about
 * each process group as it starts and ends. If the host dies, the pipe closes and the
 * guardian kills what was left. `close()` on a clean exit, once every group is gone.
 */
export class Guardian {
  private constructor(private readonly child: ChildProcess | undefined) {}

  static start(runId: string): Guardian {
    const script = join(packageRoot, "dist", "host", "guardian-main.js");
    // Only the built guardian can run under plain Node; before a build (unit tests on the
    // sources), there is no guardian and the test helpers clean up instead.
    if (!existsSync(script)) return new Guardian(undefined);
    const child = spawn(process.execPath, [script, runId], {
      detached: true,
      stdio: ["pipe", "ignore", "ignore"],
    });
    child.on("error", () => {});
    child.stdin?.on("error", () => {});
    child.unref();
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    return new Guardian(child);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  track(pgid: number): void {
    this.child?.stdin?.write(`+${pgid}\n`);
  }

  untrack(pgid: number): void {
    this.child?.stdin?.write(`-${pgid}\n`);
  }

  close(): void {
    this.child?.stdin?.end();
  }
}
