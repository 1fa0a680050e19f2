/**
 * Zod building blocks that word their errors the berth way (`expected …, got …`) and
 * report unknown keys one by one with a "did you mean".
 */
import * as z from "zod";
import { checkDuration } from "./duration.js";
import { describe, expectedMessage, isPlainObject } from "./issues.js";
import { closest } from "./suggest.js";
import type { Duration } from "./types.js";

/** Error option for a zod schema: `expected <what>, got <input>`. */
export function expected(what: string) {
  return { error: (issue: { input?: unknown }) => expectedMessage(what, issue.input) };
}

/** Last resort wording for an issue no schema worded itself. */
export function fallbackError(issue: { input?: unknown }): string {
  return expectedMessage("a valid value", issue.input);
}

/**
 * How berth parses a config: with its own message for what zod does not describe, and
 * without zod's compiled fast path. zod compiles an object schema (`new Function`) on its
 * first parse to speed up the ones after it; a config is parsed once per run, so compiling
 * only added a few milliseconds to every `berth run` and `berth exec`.
 */
export const PARSE = { error: fallbackError, jitless: true } as const;

/**
 * An object that reports each unknown key, suggesting the nearest known one. (A `never`
 * catch-all would be folded by zod into one issue for all unknown keys, without paths.)
 */
export function strict<Shape extends z.ZodRawShape>(shape: Shape, what: string) {
  const keys = Object.keys(shape);
  const unknownKey = z.custom<never>(() => false, {
    error: (issue) => {
      const key = String(issue.path?.at(-1));
      const guess = closest(key, keys);
      return guess
        ? `unknown key; did you mean \`${guess}\`?`
        : `unknown key; expected one of: ${keys.join(", ")}`;
    },
  });
  // The catch-all only ever fails, so the input and output types are the plain object's
  // (types.test-d.ts checks the public config types against these).
  return z
    .custom<Record<string, unknown>>(isPlainObject, expected(what))
    .pipe(z.object(shape).catchall(unknownKey)) as unknown as z.ZodType<
    z.output<z.ZodObject<Shape>>,
    z.input<z.ZodObject<Shape>>
  >;
}

/**
 * A value whose accepted shape depends on its type (`"/health"` or `{ path, status }`):
 * `pick` returns the schema for this value, or nothing when no form fits. Unlike a zod
 * union, a near miss keeps its precise issue (`ready.http.status: expected …`).
 */
export function byType<S extends z.ZodType>(
  what: string,
  pick: (value: unknown) => S | undefined,
): z.ZodType<z.output<S>, z.input<S>> {
  // Typed as what its forms accept, so the public types can be checked against it.
  return z.unknown().transform((value, ctx): z.output<S> => {
    const schema = pick(value);
    if (!schema) {
      ctx.issues.push({ code: "custom", message: expectedMessage(what, value), input: value });
      return z.NEVER;
    }
    const result = schema.safeParse(value, PARSE);
    if (result.success) return result.data as z.output<S>;
    for (const issue of result.error.issues) {
      ctx.issues.push({ code: "custom", message: issue.message, path: issue.path, input: value });
    }
    return z.NEVER;
  }) as unknown as z.ZodType<z.output<S>, z.input<S>>;
}

/** A string, possibly holding templates; empty strings are refused. */
export function text(what = "a non-empty string") {
  return z.custom<string>((v) => typeof v === "string" && v !== "", expected(what));
}

export const isPort = (v: unknown): v is number =>
  typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= 65535;

export const portNumber = z.custom<number>(isPort, expected("a port number (1-65535)"));

/** A duration in milliseconds; `positive` refuses 0 (a zero timeout or window makes no sense). */
export function duration(options: { positive?: boolean } = {}) {
  // Any value reaches checkDuration, which words the problem; typed as what it accepts.
  return z
    .custom<Duration>(() => true)
    .transform((value, ctx): number => {
      const result = checkDuration(value);
      if ("ms" in result && !(options.positive && result.ms === 0)) return result.ms;
      const message =
        "problem" in result
          ? result.problem
          : `expected a duration above 0, got ${describe(value)}`;
      ctx.issues.push({ code: "custom", message, input: value });
      return z.NEVER;
    });
}

/** A command: a shell string, or an argv array whose first element is the program. */
export const command = byType(
  "a command: a string run by /bin/sh, or an argv array of strings",
  (value) =>
    typeof value === "string"
      ? text("a non-empty command")
      : Array.isArray(value)
        ? z
            .array(z.custom<string>((v) => typeof v === "string", expected("a string")))
            .refine((argv) => argv.length > 0, {
              error: "expected an argv array starting with the program to run, got []",
            })
            .refine((argv) => argv[0] !== "", {
              path: [0],
              error: 'expected the program to run, got ""',
            })
        : undefined,
);
