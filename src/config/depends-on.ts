/** The `dependsOn` field: names (conditions decided later) or names with conditions. */
import * as z from "zod";
import type { DependencyCondition } from "./types.js";
import { byType, expected, text } from "./fields.js";
import { isPlainObject } from "./issues.js";

const condition = z.enum(
  ["started", "ready", "completed"],
  expected('"started", "ready" or "completed"'),
);

/** A dependency as written; `condition` is filled in by validation, which knows the oneshots. */
export interface ParsedDependency {
  name: string;
  condition?: DependencyCondition;
  /** Where it was written, relative to the service: `["dependsOn", 0]`. */
  at: PropertyKey[];
}

export const dependsOnSchema = byType(
  'an array of service names, or { [service]: "started" | "ready" | "completed" }',
  (value) =>
    Array.isArray(value)
      ? z
          .array(text("a service name"))
          .transform((names) => names.map((name, i) => ({ name, at: ["dependsOn", i] })))
      : isPlainObject(value)
        ? z.record(z.string(), condition).transform((record) =>
            Object.entries(record).map(([name, c]) => ({
              name,
              condition: c,
              at: ["dependsOn", name],
            })),
          )
        : undefined,
);
