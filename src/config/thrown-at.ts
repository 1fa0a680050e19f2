import { readFileSync, statSync } from "node:fs";
import { SourceMap } from "node:module";
import { isAbsolute, sep } from "node:path";

/** What jiti puts before a module's first line (jiti 2.x; an async module, as `import` loads). */
const JITI_WRAPPER =
  "(async function (exports, require, module, __filename, __dirname, jitiImport, jitiESMResolve) { ";

/** A place in a user's source file; line and column count from 1, as editors do. */
export interface SourcePlace {
  file: string;
  line: number;
  column: number;
}

/** jiti's transform of one file, with its source map inline (see `thrownAt`). */
export type TransformWithMap = (source: string, file: string) => string;

/**
 * Where a config threw while it loaded: the innermost stack frame in the user's own files
 * (not Node's, not berth's, not jiti's, not a package under node_modules), with its column
 * mapped back to the file as written when jiti transformed it (types and `import`s change
 * columns; jiti keeps lines). Undefined for a value thrown without a stack, or one thrown
 * from elsewhere only.
 *
 * @example
 * thrownAt(error, { exclude: [packageRoot], transform })
 * // { file: "/home/me/shop/berth.config.ts", line: 4, column: 9 }
 */
export function thrownAt(
  error: unknown,
  options: { exclude: string[]; transform: TransformWithMap },
): SourcePlace | undefined {
  const stack = error instanceof Error ? error.stack : undefined;
  if (!stack) return undefined;
  for (const line of stack.split("\n")) {
    const frame = /^\s+at (?:.*? \()?(.+):(\d+):(\d+)\)?$/.exec(line);
    if (!frame) continue;
    const [, file = "", row, column] = frame;
    if (!isUserFile(file, options.exclude)) continue;
    let place = { file, line: Number(row), column: Number(column) };
    // jiti runs a module inside a function written on its first line: columns there count
    // that wrapper too.
    if (place.line === 1 && place.column > JITI_WRAPPER.length) {
      place = { ...place, column: place.column - JITI_WRAPPER.length };
    }
    return mapped(place, options.transform) ?? place;
  }
  return undefined;
}

/** The source line of a place with a caret under its column, for an error's details. */
export function codeFrame(place: SourcePlace): string[] {
  let text: string | undefined;
  try {
    text = readFileSync(place.file, "utf8").split(/\r?\n/)[place.line - 1];
  } catch {
    return [];
  }
  if (text === undefined) return [];
  const gutter = `${place.line} | `;
  // Tabs stay tabs under the line, so the caret lines up whatever the tab width.
  const lead = text.slice(0, place.column - 1).replace(/[^\t]/g, " ");
  return [`${gutter}${text.trimEnd()}`, `${" ".repeat(gutter.length - 2)}| ${lead}^`];
}

function isUserFile(file: string, exclude: string[]): boolean {
  // A `file://` frame is a module Node loaded itself (jiti's native import): not ours to map,
  // and not where jiti's transformed user code runs either. Only plain absolute paths count.
  if (!isAbsolute(file) || file.split(sep).includes("node_modules")) return false;
  if (exclude.some((root) => file === root || file.startsWith(root + sep))) return false;
  return statSync(file, { throwIfNoEntry: false })?.isFile() ?? false;
}

/** The place in the file as written, through the source map of jiti's transform of it. */
function mapped(place: SourcePlace, transform: TransformWithMap): SourcePlace | undefined {
  try {
    const code = transform(readFileSync(place.file, "utf8"), place.file);
    const inline = /\/\/# sourceMappingURL=data:application\/json;[^,]*base64,(\S+)\s*$/.exec(code);
    if (!inline?.[1]) return undefined;
    const map = new SourceMap(JSON.parse(Buffer.from(inline[1], "base64").toString("utf8")));
    // findEntry counts from 0; an empty object means no mapping covers the place.
    const entry = map.findEntry(place.line - 1, place.column - 1) as {
      generatedLine?: number;
      generatedColumn?: number;
      originalLine?: number;
      originalColumn?: number;
    };
    if (entry.originalLine === undefined || entry.originalColumn === undefined) return undefined;
    // The entry is the mapped piece of code the place lies in: the place is as far into it.
    const into =
      entry.generatedLine === place.line - 1 ? place.column - 1 - entry.generatedColumn! : 0;
    return {
      file: place.file,
      line: entry.originalLine + 1,
      column: entry.originalColumn + Math.max(0, into) + 1,
    };
  } catch {
    // A place that cannot be mapped is still the right line (jiti keeps lines).
    return undefined;
  }
}
