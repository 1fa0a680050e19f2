import type { Clock } from "../clock.js";
import { signalGroup } from "../platform/process-group.js";
import { groupExists } from "../platform/process-info.js";

export type StopOutcome = "gone" | "signalled" | "killed";

const POLL_MS = 10;
/** After SIGKILL the kernel is quick; this only bounds a wait for something stuck in the kernel. */
const AFTER_KILL_MS = 3000;

/**
 * Stops a process group: `signal` to every member, then SIGKILL to the group when it has
 * not gone after `graceMs`. Resolves when the leader has exited and no live member is left,
 * so the ports the service held are free.
 */
export async function stopGroup(
  pgid: number,
  leaderExited: Promise<unknown>,
  options: { signal: NodeJS.Signals; graceMs: number; clock: Clock },
): Promise<StopOutcome> {
  const { clock } = options;
  let leaderGone = false;
  // The leader's exit ends the current poll early: most services are a group of one, gone
  // a millisecond after the signal, and a stop (so `berth exec`, Ctrl-C) need not wait out
  // a poll interval for that.
  let wake: (() => void) | undefined;
  // The callers' `exited` only resolves; the wake-up is all that is wanted from it.
  void leaderExited.then(() => {
    leaderGone = true;
    wake?.();
  });
  await Promise.resolve();
  const gone = () => leaderGone && !groupExists(pgid);
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const cancel = clock.setTimeout(() => done(), ms);
      const done = () => {
        cancel();
        wake = undefined;
        resolve();
      };
      // Once the leader is gone only the poll is left to wait for.
      if (!leaderGone) wake = done;
    });
  const waitUntilGone = async (ms: number) => {
    const deadline = clock.now() + ms;
    while (!gone()) {
      if (clock.now() >= deadline) return false;
      await pause(Math.min(POLL_MS, deadline - clock.now()));
    }
    return true;
  };

  if (gone()) return "gone";
  signalGroup(pgid, options.signal);
  if (await waitUntilGone(options.graceMs)) return "signalled";
  signalGroup(pgid, "SIGKILL");
  await waitUntilGone(AFTER_KILL_MS);
  return "killed";
}
