/**
 * A duration the way people say it, in messages and in the uptime columns: `400 ms`, `2 s`,
 * `1.5 s`, `60 s`, then whole units: `4 min 5 s`, `2 h 10 min`, `3 d 4 h`. The one place
 * berth writes a duration, so every message and table agrees.
 *
 * @example
 * durationText(400); // "400 ms"
 * durationText(60_000); // "60 s"
 * durationText(245_000); // "4 min 5 s"
 */
export function durationText(ms: number): string {
  ms = Math.max(0, ms);
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms <= 60_000) return `${Number((ms / 1000).toFixed(1))} s`;
  const s = Math.floor(ms / 1000);
  const [big, bigUnit, small, smallUnit] =
    s < 3600
      ? [Math.floor(s / 60), "min", s % 60, "s"]
      : s < 86_400
        ? [Math.floor(s / 3600), "h", Math.floor(s / 60) % 60, "min"]
        : [Math.floor(s / 86_400), "d", Math.floor(s / 3600) % 24, "h"];
  return small === 0 ? `${big} ${bigUnit}` : `${big} ${bigUnit} ${small} ${smallUnit}`;
}
