/** The `watch` field: files whose changes restart a service. */
import * as z from "zod";
import { byType, duration, strict, text } from "./fields.js";
import { isPlainObject } from "./issues.js";
import type { NormalizedWatch } from "./normalized.js";

/** Left out of every watch: dependencies, git's own files and berth's state and logs. */
export const WATCH_ALWAYS_IGNORED = ["**/node_modules/**", "**/.git/**", "**/.berth/**"];
/** A burst of saves (a formatter, a branch switch) becomes one restart. */
export const WATCH_DEBOUNCE_MS = 300;

const pattern = text('a path or glob like "src/**/*.ts"');

const patterns = byType('a path or glob like "src/**/*.ts", or an array of them', (v) =>
  typeof v === "string"
    ? pattern.transform((p) => [p])
    : Array.isArray(v)
      ? z.array(pattern).refine((list) => list.length > 0, {
          error: 'expected at least one path or glob, like ["src/**/*.ts"], got []',
        })
      : undefined,
);

const watchObject = strict(
  {
    paths: patterns,
    ignore: patterns.optional(),
    debounce: duration().optional(),
  },
  "{ paths, ignore, debounce }",
);

/** `"src/**"`, `["src/**", "package.json"]`, or `{ paths, ignore, debounce }`. */
export const watchSchema = byType(
  'a glob like "src/**/*.ts", an array of globs, or { paths, ignore, debounce }',
  (value) =>
    typeof value === "string" || Array.isArray(value)
      ? patterns.transform((paths) => normalized(paths))
      : isPlainObject(value)
        ? watchObject.transform((w) => normalized(w.paths, w.ignore, w.debounce))
        : undefined,
);

function normalized(paths: string[], ignore: string[] = [], debounceMs?: number): NormalizedWatch {
  return {
    paths,
    ignore: [...WATCH_ALWAYS_IGNORED, ...ignore],
    debounceMs: debounceMs ?? WATCH_DEBOUNCE_MS,
  };
}
