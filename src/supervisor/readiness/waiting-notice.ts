import type { Clock } from "../../clock.js";

/** A start that takes longer than this is worth a word: it is no longer "instant". */
export const FIRST_NOTICE_MS = 2_000;
/** Then a reminder this often, so a long wait never looks like a hang. */
export const NOTICE_EVERY_MS = 5_000;

/**
 * Calls `notify` with the time waited after FIRST_NOTICE_MS, then every NOTICE_EVERY_MS,
 * until the returned function is called.
 */
export function scheduleNotices(clock: Clock, notify: (elapsedMs: number) => void): () => void {
  const start = clock.now();
  const tick = () => {
    cancel = clock.setTimeout(tick, NOTICE_EVERY_MS);
    notify(clock.now() - start);
  };
  let cancel = clock.setTimeout(tick, FIRST_NOTICE_MS);
  return () => cancel();
}
