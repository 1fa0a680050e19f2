import { spawn, type ChildProcess } from "node:child_process";
import { GUARDIAN_SCRIPT } from "./guardian-script.js";

/**
 * The host's side of the guardian (see guardian-script.ts): starts it in its own session,
 * and tells it about each process group as it starts and ends. If the host dies, the pipe
 * closes and the guardian kills what was left. `close()` on a clean exit, once every group
 * is gone.
 */
export class Guardian {
  private constructor(private readonly child: ChildProcess) {}

  static start(runId: string): Guardian {
    const child = spawn("/bin/sh", ["-c", GUARDIAN_SCRIPT, "berth-guardian", runId], {
      detached: true,
      stdio: ["pipe", "ignore", "ignore"],
    });
    child.on("error", () => {});
    child.stdin?.on("error", () => {});
    // Neither the guardian nor its pipe may keep the host's event loop alive.
    child.unref();
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    return new Guardian(child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  track(pgid: number): void {
    this.child.stdin?.write(`+${pgid}\n`);
  }

  untrack(pgid: number): void {
    this.child.stdin?.write(`-${pgid}\n`);
  }

  close(): void {
    this.child.stdin?.end();
  }
}
