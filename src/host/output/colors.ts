/**
 * The few ANSI styles berth's terminal output uses, and when to use them. Kept tiny on
 * purpose: 16-colour codes only, which every terminal renders.
 */

/** A style: returns `text` wrapped in its escape codes, or unchanged when colour is off. */
export type Style = (text: string) => string;

export interface Styles {
  readonly enabled: boolean;
  bold: Style;
  dim: Style;
  red: Style;
  yellow: Style;
  green: Style;
  /** The stable colour of a service name. */
  service(name: string): Style;
}

/**
 * Whether to colour output written to `stream`, following the usual conventions in Node's
 * order: `FORCE_COLOR` decides when set (`0`/`false` turn colour off, anything else on), then
 * a non-empty `NO_COLOR` or `TERM=dumb` turn it off, else colour only on a terminal.
 *
 * @example
 * shouldUseColor(process.stdout, process.env); // false when piped to a file
 */
export function shouldUseColor(
  stream: { isTTY?: boolean },
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== "0" && force.toLowerCase() !== "false";
  if (env.NO_COLOR) return false;
  if (env.TERM === "dumb") return false;
  return stream.isTTY === true;
}

// Readable on dark and light backgrounds; red is left out, it means "error".
const PALETTE = [36, 32, 33, 35, 94, 96] as const;

/**
 * The palette colour of a service name: the same name gets the same colour in every run
 * and on every machine (FNV-1a hash of the name).
 *
 * @example
 * colorCodeFor("api"); // always the same one of 36, 32, 33, 35, 94, 96
 */
export function colorCodeFor(name: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return PALETTE[(hash >>> 0) % PALETTE.length]!;
}

const wrap =
  (open: number, close: number): Style =>
  (text) =>
    `\x1b[${open}m${text}\x1b[${close}m`;
const plain: Style = (text) => text;

/**
 * The styles to write with; every style is the identity when `enabled` is false.
 *
 * @example
 * const s = createStyles(shouldUseColor(process.stdout));
 * s.service("api")("api") + " " + s.dim("|");
 */
export function createStyles(enabled: boolean): Styles {
  if (!enabled) {
    return {
      enabled,
      bold: plain,
      dim: plain,
      red: plain,
      yellow: plain,
      green: plain,
      service: () => plain,
    };
  }
  return {
    enabled,
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    yellow: wrap(33, 39),
    green: wrap(32, 39),
    service: (name) => wrap(colorCodeFor(name), 39),
  };
}

/**
 * Styles that always colour, for callers that decide on colour themselves.
 *
 * @example
 * const red = (text: string) => (useColor ? paint.red(text) : text);
 */
export const paint: Styles = createStyles(true);
