/**
 * What every probe shares: its result, its options, and the lifetime of one attempt.
 */
import { systemClock, type Clock } from "../../../clock.js";
import type { BerthError } from "../../../errors.js";
import { durationText } from "../../../duration-text.js";

/**
 * The outcome of one probe attempt. `reason` says in words why it is not ready yet
 * ("connection refused", "HTTP 503", "exit code 1"); `fatal` means waiting longer cannot
 * help (another instance answers on the port), so the wait ends at once with that error.
 */
export type ProbeResult = { ok: true } | { ok: false; reason: string; fatal?: BerthError };

export interface ProbeOptions {
  /** Ends the attempt early: the wait is over. */
  signal?: AbortSignal;
  /** The attempt's own bound, so one hung connection cannot eat the whole wait. */
  timeoutMs?: number;
  /** Times the attempt's timeout; default the system clock. */
  clock?: Clock;
}

/** Default bound of one TCP or HTTP attempt. */
export const DEFAULT_PROBE_TIMEOUT_MS = 1_000;

/** One attempt: its signal aborts on the caller's signal, on its timeout, or on `end()`. */
export interface Attempt {
  signal: AbortSignal;
  /** Why the signal aborted, as a probe reason ("no answer within 1 s"). */
  abortReason(): string;
  /** Cancels the timeout and aborts whatever is still in flight (the slower address). */
  end(): void;
}

/** Starts the clock on one attempt. Always call `end()` once the result is known. */
export function startAttempt(options: ProbeOptions, defaultTimeoutMs: number): Attempt {
  const controller = new AbortController();
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  const parent = options.signal;
  let why = "aborted";
  const cancelTimer = clock.setTimeout(() => {
    why = `no answer within ${durationText(timeoutMs)}`;
    controller.abort();
  }, timeoutMs);
  const onParentAbort = () => controller.abort();
  if (parent?.aborted) controller.abort();
  else parent?.addEventListener("abort", onParentAbort, { once: true });
  return {
    signal: controller.signal,
    abortReason: () => why,
    end() {
      cancelTimer();
      parent?.removeEventListener("abort", onParentAbort);
      controller.abort();
    },
  };
}

/** A failed result. */
export function notReady(reason: string): ProbeResult {
  return { ok: false, reason };
}

/** A connection error in the words a user reads in the waiting notice. */
export function describeConnectionError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case "ECONNREFUSED":
      return "connection refused";
    case "ECONNRESET":
    case "EPIPE":
      return "connection reset";
    case "EADDRNOTAVAIL":
    case "EAFNOSUPPORT":
    case "ENETUNREACH":
    case "EHOSTUNREACH":
      return "address not available";
    case undefined:
      return error instanceof Error ? error.message : String(error);
    default:
      // The HTTP parser's codes: something answers on the port, but not HTTP.
      if (code.startsWith("HPE_")) return "not an HTTP answer";
      return `connection failed (${code})`;
  }
}
