/**
 * A count with its noun, singular for one: what berth prints must never say "1 services".
 *
 * @example plural(1, "service") // "1 service"
 * @example plural(3, "process", "processes") // "3 processes"
 */
export function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : nouns}`;
}
