/**
 * The `envFile` field (top level and per service): `.env` files read with Node's own parser
 * (`util.parseEnv`), whose values are laid under the service's `env`.
 */
import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { parseEnv } from "node:util";
import * as z from "zod";
import { byType, expected, strict, text } from "./fields.js";
import type { ConfigIssue, IssuePath } from "./issues.js";
import { isPlainObject } from "./issues.js";

/** One env file as normalized: the path as written (relative to the config's folder). */
export interface EnvFileSpec {
  path: string;
  optional: boolean;
  /** Its place in the array, when `envFile` is one (for messages). */
  index?: number;
}

const filePath = text("a file path (relative to the config file's folder)");

const entry = byType('a file path, or { path: ".env.local", optional: true }', (v) =>
  typeof v === "string"
    ? filePath.transform((path) => ({ path, optional: false }))
    : isPlainObject(v)
      ? strict(
          { path: filePath, optional: z.boolean(expected("true or false")).optional() },
          "{ path, optional }",
        ).transform(({ path, optional }) => ({ path, optional: optional ?? false }))
      : undefined,
);

/** `".env"`, or a list of paths and `{ path, optional }`. */
export const envFileSchema = byType(
  'a file path, or an array of paths and { path, optional } (like [".env", { path: ".env.local", optional: true }])',
  (value) =>
    typeof value === "string"
      ? entry.transform((spec) => [spec])
      : Array.isArray(value)
        ? z.array(entry).transform((list) => list.map((spec, index) => ({ ...spec, index })))
        : undefined,
);

/** The variables of one file, with where it was named (for messages). */
export interface LoadedEnvFile {
  /** Path of the `envFile` entry in the config: `["services", "api", "envFile", 1]`. */
  at: IssuePath;
  /** The path as written. */
  path: string;
  vars: Record<string, string>;
}

/**
 * Reads the env files named at `at` (in order), relative to `projectDir`. A missing file is
 * a problem unless it is optional; an unreadable one always is.
 *
 * @example readEnvFiles([{ path: ".env", optional: false }], "/app", ["envFile"])
 */
export function readEnvFiles(
  specs: readonly EnvFileSpec[],
  projectDir: string,
  at: IssuePath,
): { files: LoadedEnvFile[]; issues: ConfigIssue[] } {
  const files: LoadedEnvFile[] = [];
  const issues: ConfigIssue[] = [];
  for (const spec of specs) {
    const path = spec.index === undefined ? at : [...at, spec.index];
    const file = isAbsolute(spec.path) ? spec.path : resolve(projectDir, spec.path);
    let content: string;
    try {
      content = readFileSync(file, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" && spec.optional) continue;
      issues.push({ path, message: unreadable(file, spec.path, code) });
      continue;
    }
    const vars = parseEnv(content) as Record<string, string>;
    // Node's parser takes a line without `=` as the start of the next line's name
    // ("oops\nB" = "2"), which would silently lose B: refuse such a name instead.
    const odd = Object.keys(vars).find((name) => /\s/.test(name));
    if (odd !== undefined) {
      const line = odd.split(/\r?\n/)[0]!.trim();
      issues.push({
        path,
        message: `env file ${file} has a line that is not NAME=value: ${JSON.stringify(line)}; add "=" or make it a comment (#)`,
      });
      continue;
    }
    files.push({ at: path, path: spec.path, vars });
  }
  return { files, issues };
}

function unreadable(file: string, written: string, code: string | undefined): string {
  if (code === "ENOENT") {
    return `env file ${file} does not exist; create it, fix the path, or mark it optional: { path: ${JSON.stringify(written)}, optional: true }`;
  }
  if (code === "EISDIR") return `env file ${file} is a folder; name a file`;
  return `env file ${file} cannot be read (${code ?? "unknown error"}); check its permissions`;
}
