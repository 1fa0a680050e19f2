/**
 * A duration as Compose and Go read it: `"30s"`, `"1500ms"`.
 *
 * @example duration(30_000) // "30s"
 */
export function duration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** Whole seconds, at least 1, for Kubernetes' `...Seconds` fields. */
export function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
