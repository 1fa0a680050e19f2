/** The `restart` field: a policy, or a policy with back-off and crash-loop limits. */
import * as z from "zod";
import type { RestartSpec } from "./normalized.js";
import { byType, duration, expected, strict } from "./fields.js";
import { isPlainObject } from "./issues.js";

export const restartDefaults = {
  maxRestarts: 5,
  windowMs: 60_000,
  initialDelayMs: 200,
  maxDelayMs: 10_000,
} as const;

const policy = z.enum(["no", "on-failure", "always"], expected('"no", "on-failure" or "always"'));

const restartObject = strict(
  {
    policy: policy.optional(),
    maxRestarts: z
      .custom<number>(
        (v) => Number.isInteger(v) && (v as number) >= 0,
        expected("a whole number, 0 or more"),
      )
      .optional(),
    window: duration({ positive: true }).optional(),
    delay: duration().optional(),
    maxDelay: duration().optional(),
  },
  "{ policy, maxRestarts, window, delay, maxDelay }",
);

export const restartSchema = byType(
  '"no", "on-failure", "always" or { policy, maxRestarts, window, delay, maxDelay }',
  (value) =>
    typeof value === "string"
      ? policy.transform((p): z.output<typeof restartObject> => ({ policy: p }))
      : isPlainObject(value)
        ? restartObject
        : undefined,
);

/** The restart spec with defaults; a oneshot does not restart unless asked to. */
export function restartSpec(
  written: z.output<typeof restartSchema> | undefined,
  oneshot: boolean,
): RestartSpec {
  return {
    policy: written?.policy ?? (oneshot ? "no" : "on-failure"),
    maxRestarts: written?.maxRestarts ?? restartDefaults.maxRestarts,
    windowMs: written?.window ?? restartDefaults.windowMs,
    initialDelayMs: written?.delay ?? restartDefaults.initialDelayMs,
    maxDelayMs: written?.maxDelay ?? restartDefaults.maxDelayMs,
  };
}
