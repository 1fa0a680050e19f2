import { spawn } from "node:child_process";
import { once } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../../test/helpers/processes.js";
import { ManualClock } from "../clock.js";
import { signalGroup } from "../platform/process-group.js";
import { stopGroup } from "./stop-group.js";

const groups: number[] = [];

afterEach(() => {
  for (const pgid of groups.splice(0)) signalGroup(pgid, "SIGKILL");
});

/** Starts `script` as its own process group; resolves once it has said `ready`. */
async function startGroup(script: string) {
  const child = spawn("/bin/sh", ["-c", `${script}\necho ready\nwait`], {
    detached: true,
    stdio: ["ignore", "pipe", "ignore"],
  });
  groups.push(child.pid!);
  const exited = once(child, "exit");
  await once(child.stdout!, "data");
  return { pgid: child.pid!, exited };
}

describe("stopGroup", () => {
  it("returns as the leader exits, without waiting out a poll interval", async () => {
    // A group of one, as most services are: nothing else can hold the group up.
    const child = spawn("sleep", ["30"], { detached: true, stdio: "ignore" });
    groups.push(child.pid!);
    const [pgid, exited] = [child.pid!, once(child, "exit")];
    // The clock never moves: only the leader's exit can end the wait.
    const clock = new ManualClock();
    const outcome = await stopGroup(pgid, exited, { signal: "SIGTERM", graceMs: 5_000, clock });
    expect(outcome).toBe("signalled");
    expect(clock.pending).toBe(0);
  });

  it("keeps polling while other members of the group outlive the leader", async () => {
    // The leader (the shell) exits on SIGTERM; its child ignores it and holds the group.
    const { pgid, exited } = await startGroup("trap '' TERM\nsleep 30 &\ntrap - TERM");
    const clock = new ManualClock();
    let outcome: string | undefined;
    void stopGroup(pgid, exited, { signal: "SIGTERM", graceMs: 1_000, clock }).then(
      (result) => (outcome = result),
    );
    await exited;
    await clock.advance(500);
    expect(outcome).toBeUndefined();
    await clock.advance(600);
    // SIGKILL has gone out; the kernel takes its own (real) time to end the member.
    await waitFor(async () => {
      await clock.advance(10);
      return outcome !== undefined;
    }, "the group to be gone");
    expect(outcome).toBe("killed");
  });
});
