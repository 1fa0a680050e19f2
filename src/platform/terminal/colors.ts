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
  /** The colour of a service: the next palette colour for a name not seen before. */
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

/**
 * Service colours, in the order they are given out: ten 16-colour codes readable on dark
 * and light backgrounds, the most distinct first. Red is left out (it means "error"), and
 * so are black, white and grey (invisible or faint on one background or the other).
 */
export const SERVICE_PALETTE = [36, 33, 32, 35, 94, 93, 92, 95, 96, 34] as const;

/**
 * Gives each name the next palette colour the first time it is asked about, and the same
 * one after: tell it the services in config order and the first ten get distinct colours
 * (a hash would give two of eight services the same colour more often than not).
 *
 * @example
 * const colorOf = servicePalette();
 * colorOf("db"); // 36
 * colorOf("api"); // 33
 * colorOf("db"); // 36
 */
export function servicePalette(): (name: string) => number {
  const given = new Map<string, number>();
  return (name) => {
    let code = given.get(name);
    if (code === undefined) {
      code = SERVICE_PALETTE[given.size % SERVICE_PALETTE.length]!;
      given.set(name, code);
    }
    return code;
  };
}

/**
 * The `FORCE_COLOR` value for services when berth writes in colour to `stream`, a terminal:
 * its colour depth (`1` 16 colours, `2` 256, `3` 16 million), so tools such as vite and
 * vitest, whose output reaches that terminal through berth's pipe, keep their colours.
 * Undefined when berth does not colour a terminal, or when `env` already says
 * (`FORCE_COLOR` or `NO_COLOR` set): the user's choice passes on unchanged.
 *
 * @example
 * childForceColor(process.stdout, process.env); // "2" on an xterm-256color terminal
 */
export function childForceColor(
  stream: { isTTY?: boolean; getColorDepth?(env?: object): number },
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (env.FORCE_COLOR !== undefined || env.NO_COLOR !== undefined) return undefined;
  if (stream.isTTY !== true || !shouldUseColor(stream, env)) return undefined;
  const depth = stream.getColorDepth?.(env) ?? 4;
  return depth >= 24 ? "3" : depth >= 8 ? "2" : "1";
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
 * s.service("api")("api") + " " + s.dim("|"); // the first service colour: cyan
 */
export function createStyles(enabled: boolean): Styles {
  const colorOf = servicePalette();
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
    service: (name) => wrap(colorOf(name), 39),
  };
}

/**
 * Styles that always colour, for callers that decide on colour themselves.
 *
 * @example
 * const red = (text: string) => (useColor ? paint.red(text) : text);
 */
export const paint: Styles = createStyles(true);
