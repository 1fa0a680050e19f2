/**
 * How config problems are worded: `<path>: expected <what>, got <value>`. Every message in
 * config/ goes through these helpers so the wording stays one formula.
 */

export type IssuePath = readonly PropertyKey[];

export interface ConfigIssue {
  path: IssuePath;
  /** Everything after `<path>: `. */
  message: string;
}

const identifier = /^[A-Za-z_$][\w$-]*$/;

/**
 * A field path as users write it in the config.
 *
 * @example formatPath(["services", "api", "command", 0]) // "services.api.command[0]"
 * @example formatPath(["services", "my api"]) // 'services["my api"]'
 */
export function formatPath(path: IssuePath): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else if (typeof segment === "string" && identifier.test(segment)) {
      text += text === "" ? segment : `.${segment}`;
    } else text += `[${JSON.stringify(String(segment))}]`;
  }
  return text === "" ? "config" : text;
}

/** A short, user-facing description of a value that was found where something else was expected. */
export function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (typeof value === "string") {
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  }
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "function") return "a function";
  if (value instanceof RegExp) return String(value);
  if (Array.isArray(value)) return value.length === 0 ? "[]" : "an array";
  if (typeof value === "object") return Object.keys(value).length === 0 ? "{}" : "an object";
  return typeof value;
}

/** `expected <what>, got <value>`; a missing value reads as "missing" instead. */
export function expectedMessage(what: string, found: unknown): string {
  return found === undefined
    ? `missing; expected ${what}`
    : `expected ${what}, got ${describe(found)}`;
}

/**
 * True for `{...}` objects, not arrays, RegExps or dates. Checked by tag rather than by
 * prototype so an object made in another realm (a config module's sandbox) still counts.
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return Object.prototype.toString.call(value) === "[object Object]";
}
