/**
 * The fields `berth publish` reads: a service's `image`, `build` and `publish`, and the top
 * level's `publish`. Nothing else in berth looks at them.
 */
import * as z from "zod";
import { byType, expected, strict, text } from "./fields.js";
import { isPlainObject } from "./issues.js";

/** A service's `build`, normalized: paths relative to the config file's folder. */
export interface BuildSpec {
  context: string;
  /** Relative to `context`. */
  dockerfile: string;
}

/** `build: "folder"` or `build: { context, dockerfile }`. */
export const buildSchema = byType(
  'a context folder ("services/api") or an object like { context: ".", dockerfile: "api.Dockerfile" }',
  (value) =>
    typeof value === "string"
      ? text("a context folder").transform((context): BuildSpec => ({
          context,
          dockerfile: "Dockerfile",
        }))
      : isPlainObject(value)
        ? strict(
            {
              context: text("a folder path").optional(),
              dockerfile: text("a file path").optional(),
            },
            'an object like { context: ".", dockerfile: "api.Dockerfile" }',
          ).transform((b): BuildSpec => ({
            context: b.context ?? ".",
            dockerfile: b.dockerfile ?? "Dockerfile",
          }))
        : undefined,
);

/** An image reference: `postgres:16`, `ghcr.io/acme/api@sha256:…`; no spaces. */
export const imageSchema = z.custom<string>(
  (v) => typeof v === "string" && /^[a-z0-9][^\s]*$/i.test(v),
  expected('an image name like "postgres:16"'),
);

/** The top level's `publish`. */
export const publishSchema = strict(
  {
    nodeImage: imageSchema.optional(),
    registry: z
      .custom<string>(
        (v) => typeof v === "string" && /^[a-z0-9][^\s]*[^/\s]$/i.test(v),
        expected('a registry prefix like "ghcr.io/acme" (no trailing /)'),
      )
      .optional(),
  },
  'an object like { nodeImage: "node:20-slim" }',
);

/** Settings of `berth publish` shared by every service, defaults applied. */
export interface PublishSettings {
  nodeImage: string;
  registry?: string;
}

/** The base image of the Dockerfile berth writes for Node services. */
export const DEFAULT_NODE_IMAGE = "node:20-slim";
