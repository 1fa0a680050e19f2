import { spawn, type ChildProcess } from "node:child_process";
import type { StopSpec } from "../model/app.js";
import { GUARDIAN_SCRIPT, serviceKey } from "./guardian-script.js";

/**
 * The host's side of the guardian (see guardian-script.ts): starts it in its own session,
 * tells it how each service stops, and about each process group as it starts and ends. If
 * the host dies, the pipe closes and the guardian stops what was left, each service with
 * its own stop signal and grace period. `close()` on a clean exit, once every group is gone.
 *
 * @example
 * const guardian = Guardian.start(runId, app.services);
 * guardian.track("db", pgid); // …
 * guardian.untrack(pgid);
 */
export class Guardian {
  private constructor(private readonly child: ChildProcess) {}

  static start(runId: string, services: { name: string; stop: StopSpec }[]): Guardian {
    const child = spawn("/bin/sh", ["-c", GUARDIAN_SCRIPT, "berth-guardian", runId], {
      detached: true,
      stdio: ["pipe", "ignore", "ignore"],
    });
    child.on("error", () => {});
    child.stdin?.on("error", () => {});
    // Neither the guardian nor its pipe may keep the host's event loop alive.
    child.unref();
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    // Sent before any group, so the guardian knows every service's stop when it needs it.
    const specs = services.map(
      ({ name, stop }) =>
        `s ${serviceKey(name)} ${stop.signal.replace(/^SIG/, "")} ${Math.ceil(stop.graceMs / 10)}\n`,
    );
    if (specs.length > 0) child.stdin?.write(specs.join(""));
    return new Guardian(child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** A process group of `service` has started. */
  track(service: string, pgid: number): void {
    this.child.stdin?.write(`+${pgid} ${serviceKey(service)}\n`);
  }

  untrack(pgid: number): void {
    this.child.stdin?.write(`-${pgid}\n`);
  }

  close(): void {
    this.child.stdin?.end();
  }
}
