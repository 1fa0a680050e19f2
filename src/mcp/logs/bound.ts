/**
 * Bounds on what a log tool returns: an agent's context is small, and one service may have
 * printed megabytes. Lines are cut to a length, and the answer to a size, keeping the latest.
 */

/** Longest line kept whole; longer ones are cut with a mark. */
export const MAX_LINE_CHARS = 2_000;
/** Most characters of log text in one answer. */
export const MAX_ANSWER_CHARS = 60_000;

/** A line cut to `MAX_LINE_CHARS`, saying how much was left out. */
export function cutLine(text: string): string {
  if (text.length <= MAX_LINE_CHARS) return text;
  return `${text.slice(0, MAX_LINE_CHARS)}… [${text.length - MAX_LINE_CHARS} more characters]`;
}

/**
 * The last items whose text fits `MAX_ANSWER_CHARS`, and how many were left out for that.
 *
 * @example
 * const { kept, dropped } = keepLatest(lines, (line) => line.text);
 */
export function keepLatest<T>(
  items: T[],
  text: (item: T) => string,
): { kept: T[]; dropped: number } {
  let size = 0;
  let from = items.length;
  while (from > 0) {
    const next = size + text(items[from - 1]!).length + 1;
    if (next > MAX_ANSWER_CHARS) break;
    size = next;
    from--;
  }
  return { kept: items.slice(from), dropped: from };
}
