import { sleep, systemClock, type Clock } from "../clock.js";

/**
 * Reconnect back-off for a socket that refuses connections (a host between binding and
 * listening, or one that is going away). Times come from a Clock so tests are exact.
 */

export interface BackoffPolicy {
  /** First delay (default 10 ms: a host between binding and listening needs microseconds). */
  initialMs: number;
  /** Each delay is the previous one times this (default 2). */
  factor: number;
  /** Longest delay (default 1 s). */
  maxMs: number;
  /** No attempt is made later than this after the first one (default 3 s). */
  giveUpAfterMs: number;
}

export const RECONNECT_POLICY: BackoffPolicy = {
  initialMs: 10,
  factor: 2,
  maxMs: 1000,
  giveUpAfterMs: 3000,
};

/**
 * The delays between attempts. The last delay is shortened so that one final attempt falls
 * exactly on the give-up time: with the defaults, attempts at 0, 10, 30, 70, 150, 310, 630,
 * 1270, 2270 and 3000 ms.
 *
 * @example
 * const backoff = new Backoff(clock);
 * const delay = backoff.next(); // 10, then 20, 40, 80, 160, 320, 640, 1000, 730, then undefined
 */
export class Backoff {
  private readonly startedAt: number;
  private delay: number;

  constructor(
    private readonly clock: Clock = systemClock,
    private readonly policy: BackoffPolicy = RECONNECT_POLICY,
  ) {
    this.startedAt = clock.now();
    this.delay = policy.initialMs;
  }

  /** The delay before the next attempt, or `undefined` when it is time to give up. */
  next(): number | undefined {
    const remaining = this.startedAt + this.policy.giveUpAfterMs - this.clock.now();
    if (remaining <= 0) return undefined;
    const delay = Math.min(this.delay, this.policy.maxMs, remaining);
    this.delay = Math.min(this.delay * this.policy.factor, this.policy.maxMs);
    return delay;
  }
}

export interface RetryOptions {
  clock?: Clock;
  policy?: BackoffPolicy;
  /** Which failures are worth another attempt (others are thrown at once). */
  retryable: (error: unknown) => boolean;
  /** Stops waiting; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Runs `attempt` until it succeeds, retrying retryable failures by the back-off; rejects with
 * the last failure once the policy gives up, or at once with a failure that is not retryable.
 *
 * @example
 * const client = await retryWithBackoff(() => connect(path), { retryable: isRefused });
 */
export async function retryWithBackoff<T>(
  attempt: () => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const clock = options.clock ?? systemClock;
  const backoff = new Backoff(clock, options.policy);
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      return await attempt();
    } catch (error) {
      if (!options.retryable(error)) throw error;
      const delay = backoff.next();
      if (delay === undefined) throw error;
      await sleep(clock, delay, options.signal);
    }
  }
}
