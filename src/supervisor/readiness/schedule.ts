/**
 * When to probe next, as a pure function so the numbers can be read and tested.
 *
 * Why this shape: probing a service that is not up yet costs next to nothing (a refused
 * connect on loopback takes tens of microseconds), while every millisecond between the
 * service answering and the next probe is added to every start. So the first probe goes
 * out at once, the next ones a few milliseconds apart, growing quickly to a 5 ms cap for
 * the first 2 s (where most development servers come up): readiness is then noticed about
 * 3 ms (at most 5 ms plus one probe) after the service answers. Until 5 s the cap is 10 ms.
 * The ramp from 2 ms catches the services that are up almost at once without
 * paying for it later. A service that has not answered within 5 s is slow anyway (a
 * database, a compile), so the cap rises to 100 ms, and after 30 s to 500 ms, to keep
 * long waits cheap. Finally, a probe never waits less than the last probe took, so a
 * probe that does real work (a command, a slow handler) takes at most half the time.
 */

/** Delay before the second probe. */
export const FIRST_DELAY_MS = 2;
/** Each delay is this much longer than the one before, up to the cap. */
export const GROWTH = 1.3;

/** The longest delay between probes, by time waited so far. */
const CAPS: readonly { untilMs: number; capMs: number }[] = [
  { untilMs: 2_000, capMs: 5 },
  { untilMs: 5_000, capMs: 10 },
  { untilMs: 30_000, capMs: 100 },
  { untilMs: Infinity, capMs: 500 },
];

/**
 * Milliseconds to wait before probe number `attempt` (0 is the first probe).
 *
 * @param attempt probes made so far
 * @param elapsedMs time since the wait began
 * @param lastProbeMs how long the previous probe took
 * @example
 * probeDelay(0, 0); // 0: the first probe goes out at once
 * probeDelay(1, 1); // 2
 * probeDelay(40, 1_000); // 10
 * probeDelay(40, 10_000); // 100
 * probeDelay(40, 60_000, 800); // 800: never probe more than half the time
 */
export function probeDelay(attempt: number, elapsedMs: number, lastProbeMs = 0): number {
  if (attempt <= 0) return 0;
  const grown = FIRST_DELAY_MS * GROWTH ** (attempt - 1);
  const cap = CAPS.find((c) => elapsedMs < c.untilMs)?.capMs ?? 500;
  return Math.round(Math.max(Math.min(grown, cap), lastProbeMs));
}
