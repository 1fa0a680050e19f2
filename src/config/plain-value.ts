import { formatPath, type IssuePath } from "./issues.js";

/** How deep a config may nest: far beyond any real one, short of a stack overflow. */
const MAX_DEPTH = 64;

/** Reading a config's value failed: a getter or a Proxy trap threw, or it never ends. */
export class ConfigReadError extends Error {
  override readonly name = "ConfigReadError";
  constructor(
    /** Where in the config, as users write it (`services.api.command`). */
    readonly where: string,
    /** What went wrong there, for the message. */
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(`${where}: ${problem}`, options);
  }
}

/**
 * A copy of a loaded config made only of plain data (objects, arrays, RegExps, primitives;
 * anything else is kept as found, for validation to refuse), read once. A config is code:
 * a getter or a Proxy may throw, or answer differently each time it is read. Reading it
 * once here turns that into a config error that says where, and the validation and the
 * host then work on data that cannot change under them.
 *
 * @example plainValue({ get services() { throw new Error("boom"); } })
 * // throws ConfigReadError: where "services", problem "reading it threw: boom"
 */
export function plainValue(value: unknown): unknown {
  return copy(value, [], new Set());
}

function copy(value: unknown, path: IssuePath, parents: Set<object>): unknown {
  if ((typeof value !== "object" && typeof value !== "function") || value === null) return value;
  const where = formatPath(path);
  if (parents.has(value)) throw new ConfigReadError(where, "it contains itself (a cycle)");
  if (path.length >= MAX_DEPTH) {
    throw new ConfigReadError(where, `it nests deeper than ${MAX_DEPTH} levels`);
  }
  const kind = attempt(where, "reading its type", () => kindOf(value));
  if (kind === "other") return value;
  if (kind === "regexp") {
    const regexp = value as RegExp;
    return attempt(where, "reading it", () => new RegExp(regexp.source, regexp.flags));
  }
  parents.add(value);
  try {
    if (kind === "array") {
      const array = value as unknown[];
      const length = attempt(where, "reading its length", () => array.length);
      const result: unknown[] = [];
      for (let index = 0; index < length; index++) {
        const item = attempt(formatPath([...path, index]), "reading it", () => array[index]);
        result.push(copy(item, [...path, index], parents));
      }
      return result;
    }
    const object = value as Record<string, unknown>;
    const keys = attempt(where, "listing its keys", () => Object.keys(object));
    const result: Record<string, unknown> = {};
    for (const key of keys) {
      const item = attempt(formatPath([...path, key]), "reading it", () => object[key]);
      // Defined as own data, so a key such as "__proto__" stays a key.
      Object.defineProperty(result, key, {
        value: copy(item, [...path, key], parents),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return result;
  } finally {
    parents.delete(value);
  }
}

function kindOf(value: object): "array" | "regexp" | "object" | "other" {
  if (Array.isArray(value)) return "array";
  if (typeof value === "function") return "other";
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype === RegExp.prototype) return "regexp";
  return prototype === Object.prototype || prototype === null ? "object" : "other";
}

function attempt<T>(where: string, doing: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ConfigReadError(where, `${doing} threw: ${message}`, { cause: error });
  }
}
