import { sleep, type Clock } from "../../clock.js";
import type { ProbeOptions, ProbeResult } from "./probes/probe.js";
import { probeDelay } from "./schedule.js";

/** One probe attempt of some kind, bound to its target. */
export type Probe = (options: ProbeOptions) => Promise<ProbeResult>;

export interface PollOptions {
  probe: Probe;
  clock: Clock;
  /** Ends the polling: it then rejects with the signal's reason. */
  signal: AbortSignal;
  /** Called with each failed attempt's reason, for the waiting notice and the timeout. */
  onNotReady?: (reason: string) => void;
}

/**
 * Probes on the schedule (`probeDelay`) until an attempt succeeds. Attempts never overlap:
 * the next one is scheduled when the last has answered. Rejects with an attempt's `fatal`
 * error at once, or with the signal's reason when aborted.
 */
export async function pollUntilReady({
  probe,
  clock,
  signal,
  onNotReady,
}: PollOptions): Promise<void> {
  const start = clock.now();
  for (let attempt = 0; ; attempt++) {
    const began = clock.now();
    // The attempt's own timeout stays on real time: it bounds real I/O, and a test that
    // moves a manual clock must not cut short a probe that is still talking to a socket.
    const result = await probe({ signal });
    signal.throwIfAborted();
    if (result.ok) return;
    if (result.fatal) throw result.fatal;
    onNotReady?.(result.reason);
    const now = clock.now();
    await sleep(clock, probeDelay(attempt + 1, now - start, now - began), signal);
  }
}
