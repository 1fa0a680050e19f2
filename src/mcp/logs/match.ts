import { ToolError } from "../errors.js";

/**
 * A predicate for `search_logs`: a substring, or a JavaScript regular expression, either
 * optionally regardless of case. A bad regular expression is the agent's to fix.
 *
 * @example
 * matcher("error", { ignoreCase: true })("Error: boom"); // true
 */
export function matcher(
  query: string,
  options: { regex?: boolean; ignoreCase?: boolean } = {},
): (text: string) => boolean {
  if (options.regex) {
    let pattern: RegExp;
    try {
      pattern = new RegExp(query, options.ignoreCase ? "i" : "");
    } catch (error) {
      throw new ToolError(
        "USAGE",
        `query is not a valid regular expression: ${(error as Error).message}. Fix it, or search for plain text with regex: false.`,
      );
    }
    return (text) => pattern.test(text);
  }
  if (!options.ignoreCase) return (text) => text.includes(query);
  const lower = query.toLowerCase();
  return (text) => text.toLowerCase().includes(lower);
}
