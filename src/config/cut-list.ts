/**
 * Lists that may hold thousands of names (services, problems) cut to a readable length:
 * the first ones, then how many more there are.
 */

/**
 * The items joined with ", ", the ones past `max` counted instead of named.
 *
 * @example cutList(["a", "b", "c", "d"], 2) // "a, b … and 2 more"
 */
export function cutList(items: readonly string[], max = 20): string {
  if (items.length <= max) return items.join(", ");
  return `${items.slice(0, max).join(", ")} ${andMore(items.length - max)}`;
}

/**
 * The first `max` lines, and a last one counting the rest.
 *
 * @example cutLines(["x: …", "y: …", "z: …"], 2) // ["x: …", "y: …", "… and 1 more"]
 */
export function cutLines(lines: readonly string[], max = 50): string[] {
  if (lines.length <= max) return [...lines];
  return [...lines.slice(0, max), andMore(lines.length - max)];
}

function andMore(count: number): string {
  return `… and ${count.toLocaleString("en-US")} more`;
}
