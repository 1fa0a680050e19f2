import { createRequire } from "node:module";
import { readFile } from "node:fs/promises";
import { extname, join } from "node:path";
import { BerthError } from "../errors.js";
import { packageRoot } from "../version.js";
import { ConfigExitError, configTimeoutMs, guardLoad } from "./load-guard.js";
import { ConfigReadError, plainValue } from "./plain-value.js";
import { codeFrame, thrownAt, type TransformWithMap } from "./thrown-at.js";

const moduleExtensions = new Set([".ts", ".mts", ".cts", ".js", ".mjs", ".cjs"]);

// A config imports `defineConfig` from "berth-dev", and its project need not have it
// installed: "berth-dev" is this very package, from source (tests, dev) or built (dist).
const ownEntry = import.meta.url.endsWith(".ts")
  ? join(packageRoot, "src", "index.ts")
  : join(packageRoot, "dist", "index.js");

/**
 * The config file's value: the default export of a module (TypeScript included), read once
 * into plain data (see `plainValue`), or the parsed JSON. Not yet validated. A module that
 * calls `process.exit()`, never finishes loading, or takes longer than `timeoutMs`
 * (default: `BERTH_CONFIG_TIMEOUT`, else 10 s) fails like one that throws.
 *
 * @throws BerthError `CONFIG_LOAD_FAILED` naming the file, with the original error as `cause`.
 */
export async function loadConfig(
  file: string,
  options: { timeoutMs?: number } = {},
): Promise<unknown> {
  const extension = extname(file);
  if (extension === ".json") return loadJson(file);
  if (!moduleExtensions.has(extension)) {
    throw new BerthError(
      "CONFIG_LOAD_FAILED",
      `Cannot load ${file}: unsupported file type "${extension}". Use berth.config.ts, .mts, .js, .mjs or .json.`,
    );
  }
  // No module cache, so an edited config loads fresh (except an .mjs that needs no
  // transpiling: jiti hands it to Node's own import, which caches by URL).
  // Loaded only here: jiti is large, and JSON configs and running hosts never need it.
  // Required, not imported: jiti's ES entry imports its CommonJS build, and Node then
  // scans those 190 kB for export names before running them, a third of a config's load.
  const { createJiti } = createRequire(import.meta.url)("jiti") as typeof import("jiti");
  const jiti = createJiti(import.meta.url, {
    alias: { "berth-dev": ownEntry },
    moduleCache: false,
    interopDefault: false,
  });
  // Only on failure, for the column: the same transform as the load's, with its source map.
  const transform: TransformWithMap = (source, filename) =>
    createJiti(import.meta.url, {
      sourceMaps: true,
      fsCache: false,
      interopDefault: false,
    }).transform({ source, filename, ts: /\.[cm]?ts$/.test(filename), async: true });
  const timeoutMs = options.timeoutMs ?? configTimeoutMs();
  let module: Record<string, unknown>;
  try {
    module = await guardLoad(file, () => jiti.import<Record<string, unknown>>(file), timeoutMs);
  } catch (error) {
    if (error instanceof BerthError) throw error;
    const { reason, details } = moduleFailure(error, file, transform);
    throw new BerthError("CONFIG_LOAD_FAILED", `Cannot load ${file}: ${reason}`, {
      cause: error,
      details,
    });
  }
  try {
    if (!("default" in module)) {
      throw new BerthError(
        "CONFIG_LOAD_FAILED",
        `${file} has no default export. End it with \`export default defineConfig({ services: { ... } })\`.`,
      );
    }
    return plainValue(module.default);
  } catch (error) {
    if (!(error instanceof ConfigReadError)) throw error;
    throw readFailure(error, file, transform);
  }
}

/** A getter or Proxy trap of the config's value threw: where in the config, and where in the file. */
function readFailure(
  error: ConfigReadError,
  file: string,
  transform: TransformWithMap,
): BerthError {
  const place = thrownAt(error.cause, { exclude: ownRoots, transform });
  const at = place
    ? ` (${place.file === file ? "" : `${place.file} `}line ${place.line}, column ${place.column})`
    : "";
  return new BerthError(
    "CONFIG_LOAD_FAILED",
    `Cannot read the config ${file}: ${error.where}: ${error.problem}${at}. ` +
      "A config's value must be plain data: objects, arrays, strings, numbers, booleans and RegExps.",
    { cause: error, details: place ? codeFrame(place) : [] },
  );
}

/** berth's own code: never the place a config failed. */
const ownRoots = [join(packageRoot, "dist"), join(packageRoot, "src")];

/**
 * Why a config module failed to load, and where. jiti reports a syntax error as
 * "ParseError: …" with `<file>:<line>:<column>` below it; anything the config threw as it
 * ran is placed by its stack, in the user's own files (berth's own frames say nothing).
 */
function moduleFailure(
  error: unknown,
  file: string,
  transform: (source: string, filename: string) => string,
): { reason: string; details: string[] } {
  const [first, ...rest] = lines(error);
  const at = /^(.*):(\d+):(\d+)$/.exec(rest[0] ?? "");
  const parse = /^(?:ParseError|SyntaxError): (.*)$/.exec(first);
  if (parse && at?.[1] === file) {
    // Babel counts columns from 0; editors count from 1.
    const where = `line ${at[2]}, column ${Number(at[3]) + 1}`;
    return { reason: `syntax error at ${where}: ${parse[1]}`, details: rest.slice(1) };
  }
  const place = thrownAt(error, { exclude: ownRoots, transform });
  if (error instanceof ConfigExitError) {
    const where = place ? ` at line ${place.line}, column ${place.column}` : "";
    const who = place && place.file !== file ? place.file : "it";
    return {
      reason:
        `${who} ${error.message}${where} while it loaded. A config describes the services; ` +
        "berth decides when to exit: throw an Error instead to stop with a message.",
      details: place ? [`at ${place.file}:${place.line}:${place.column}`, ...codeFrame(place)] : [],
    };
  }
  if (!place) return { reason: first, details: rest };
  const what = error instanceof Error && error.name !== "Error" ? `${error.name}: ${first}` : first;
  const who = place.file === file ? "it" : place.file;
  // Node's list of importers only repeats, less precisely, the place given here.
  const importers = rest.indexOf("Require stack:");
  return {
    reason: `${who} threw at line ${place.line}, column ${place.column}: ${what}`,
    details: [
      `at ${place.file}:${place.line}:${place.column}`,
      ...codeFrame(place),
      ...(importers === -1 ? rest : rest.slice(0, importers)),
    ],
  };
}

async function loadJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new BerthError("CONFIG_LOAD_FAILED", `Cannot read ${file}: ${firstLine(error)}`, {
      cause: error,
    });
  }
  // Editors on Windows save JSON with a byte-order mark; JSON.parse refuses it.
  if (text.startsWith("\uFEFF")) text = text.slice(1);
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new BerthError(
      "CONFIG_LOAD_FAILED",
      `Cannot parse ${file}${jsonLocation(message, text)}: ${jsonReason(message)}`,
      { cause: error },
    );
  }
}

/**
 * ` at line L, column C`, from V8's "at position N", its end-of-input message, or the text
 * it quotes around an unexpected token (which starts 10 characters before the token).
 */
function jsonLocation(message: string, text: string): string {
  const offset = jsonOffset(message, text);
  if (offset === undefined) return "";
  const before = text.slice(0, offset).split("\n");
  return ` at line ${before.length}, column ${before.at(-1)!.length + 1}`;
}

function jsonOffset(message: string, text: string): number | undefined {
  const position = /at position (\d+)/.exec(message)?.[1];
  if (position !== undefined) return Number(position);
  if (/end of JSON input/.test(message)) return text.length;
  // V8 quotes up to 10 characters either side of the token, marking cuts with "...";
  // a short text is quoted whole, which says nothing about where.
  const [, , cutBefore, quoted = "", cutAfter] = unexpectedToken.exec(message) ?? [];
  if (cutBefore && text.includes(quoted)) return text.indexOf(quoted) + 10;
  if (cutAfter) return quoted.length - 10;
  return undefined;
}

const unexpectedToken =
  /^Unexpected token '([\s\S])', (\.\.\.)?"([\s\S]*)"(\.\.\.)? is not valid JSON$/;

/** V8's reason without the position or quoted text (the location says where). */
function jsonReason(message: string): string {
  const token = unexpectedToken.exec(message)?.[1];
  if (token !== undefined) return `Unexpected token ${JSON.stringify(token)}`;
  return lines(message.replace(/ in JSON at position \d+/, ""))[0];
}

function lines(error: unknown): [string, ...string[]] {
  const message = error instanceof Error ? error.message : String(error);
  const [first = "", ...rest] = message.split("\n").map((line) => line.trim());
  return [first, ...rest.filter((line) => line !== "")];
}

function firstLine(error: unknown): string {
  return lines(error)[0];
}
