import { sleep, type Clock } from "../clock.js";
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
  void leaderExited.then(() => (leaderGone = true));
  await Promise.resolve();
  const gone = () => leaderGone && !groupExists(pgid);

  if (gone()) return "gone";
  signalGroup(pgid, options.signal);
  if (await waitUntil(gone, options.graceMs, clock)) return "signalled";
  signalGroup(pgid, "SIGKILL");
  await waitUntil(gone, AFTER_KILL_MS, clock);
  return "killed";
}

async function waitUntil(done: () => boolean, ms: number, clock: Clock): Promise<boolean> {
  const deadline = clock.now() + ms;
  while (!done()) {
    if (clock.now() >= deadline) return false;
    await sleep(clock, POLL_MS);
  }
  return true;
}
