import { systemClock, type Clock } from "../clock.js";

/** Time without a line after which a followed host is asked whether it still answers. */
export const QUIET_MS = 5_000;
/** How long that question may take. */
export const PROBE_MS = 2_000;

/**
 * Tells a follower (`berth logs -f`) when the host it follows stops answering, instead of
 * leaving it waiting in silence: after `quietMs` without a line, the host is asked a cheap
 * question (`probe`, bounded by its own timeout); no answer is said once, and an answer (or
 * a line) after that is said once too. Following goes on: a paused host (SIGSTOP, a
 * debugger) may come back, and a closed connection ends the follow anyway.
 *
 * @example
 * const silence = watchHostSilence({
 *   probe: () => client.describe({ timeoutMs: PROBE_MS }),
 *   host: `the app host (pid ${pid})`,
 *   say: (text) => process.stderr.write(`berth: ${text}\n`),
 * });
 * // on each batch of lines: silence.heard(); on close: silence.dispose();
 */
export function watchHostSilence(options: {
  probe: () => Promise<unknown>;
  /** How the host is named in what is said: "the app host (pid 4242)". */
  host: string;
  say: (text: string) => void;
  clock?: Clock;
  quietMs?: number;
}): { heard(): void; dispose(): void } {
  const clock = options.clock ?? systemClock;
  const quietMs = options.quietMs ?? QUIET_MS;
  let lastHeard = clock.now();
  let silent = false;
  let disposed = false;
  let cancel = () => {};

  const answered = () => {
    lastHeard = clock.now();
    if (!silent) return;
    silent = false;
    options.say(`${options.host} answers again`);
  };
  const schedule = (ms: number) => {
    cancel = clock.setTimeout(() => void check(), ms);
  };
  const check = async () => {
    if (disposed) return;
    const quiet = clock.now() - lastHeard;
    if (quiet < quietMs) return schedule(quietMs - quiet);
    const ok = await options.probe().then(
      () => true,
      () => false,
    );
    if (disposed) return;
    if (ok) answered();
    else if (!silent) {
      silent = true;
      options.say(
        `${options.host} stopped answering (it may be paused or overloaded); ` +
          "still following, Ctrl-C to stop",
      );
    }
    schedule(quietMs);
  };
  schedule(quietMs);
  return {
    heard: answered,
    dispose() {
      disposed = true;
      cancel();
    },
  };
}
