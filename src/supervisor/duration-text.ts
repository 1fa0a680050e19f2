/**
 * A duration the way people say it in messages: `500 ms`, `2 s`, `1.5 s`.
 *
 * @example
 * durationText(400); // "400 ms"
 * durationText(60_000); // "60 s"
 */
export function durationText(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${Number((ms / 1000).toFixed(1))} s`;
}
