/**
 * The shape of a config, field by field, with every default applied. Checks that need
 * more than one service (dependencies, cycles, templates) live in `checks.ts`.
 */
import * as z from "zod";
import type { NormalizedService, PortRequest } from "./normalized.js";
import { binarySchema } from "./binary.js";
import { dependsOnSchema, type ParsedDependency } from "./depends-on.js";
import { envFileSchema, type EnvFileSpec } from "./env-file.js";
import { byType, command, duration, expected, isPort, portNumber, strict, text } from "./fields.js";
import { describe, isPlainObject, type ConfigIssue } from "./issues.js";
import { buildSchema, imageSchema, publishSchema } from "./publish.js";
import { readySchema } from "./ready.js";
import { restartSchema, restartSpec } from "./restart.js";
import { watchSchema } from "./watch.js";

/** Defaults, in one place so the docs in `types.ts` and the code agree. */
export const defaults = {
  stopSignal: "SIGTERM",
  stopTimeoutMs: 5_000,
} as const;

const signals = ["SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP", "SIGUSR1", "SIGUSR2"] as const;

export type { ParsedDependency };

/** `Omit` that keeps a union a union (a service runs a command *or* a binary). */
type OmitEach<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * A service checked on its own. Its port is still `"when-needed"` when none was written
 * (whether it needs one depends on the other services' templates), and its env files are
 * not read yet: `validate.ts` settles both.
 */
export type ParsedService = OmitEach<
  NormalizedService,
  "name" | "dependsOn" | "port" | "fromEnvFiles"
> & {
  dependsOn: ParsedDependency[];
  port: PortRequest | null | "when-needed";
  envFiles: EnvFileSpec[];
};

const scheme = z.custom<string>(
  (v) => typeof v === "string" && /^[A-Za-z][A-Za-z0-9+.-]*$/.test(v),
  expected('a URL scheme like "redis" or "postgres" (without "://")'),
);

const url = z.custom<string>(
  (v) => typeof v === "string" && /^[A-Za-z][A-Za-z0-9+.-]*:\/\/./.test(v),
  expected('a URL template like "postgres://postgres@localhost:{{port}}/app"'),
);

const args = z
  .array(z.string(expected("a string")), expected("an array of argument strings"))
  .transform((list) => [...list]);

const env = z
  .record(
    z.string(),
    z.custom<string | number | boolean>(
      (v) =>
        typeof v === "string" ||
        typeof v === "boolean" ||
        (typeof v === "number" && Number.isFinite(v)),
      expected("a string, number or boolean"),
    ),
    expected("an object of environment variables"),
  )
  .transform((vars, ctx) => {
    for (const key of Object.keys(vars)) {
      if (key === "" || key.includes("=") || key.includes("\0")) {
        ctx.issues.push({
          code: "custom",
          path: [key],
          message: `expected a variable name without "=", got ${JSON.stringify(key)}`,
          input: key,
        });
      }
    }
    return Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, String(v)]));
  });

export const serviceSchema = strict(
  {
    command: command.optional(),
    binary: binarySchema.optional(),
    args: args.optional(),
    cwd: text("a folder path (relative to the config file's folder)").optional(),
    env: env.optional(),
    envFile: envFileSchema.optional(),
    port: z
      .custom<number | "auto" | false>(
        (v) => isPort(v) || v === "auto" || v === false,
        expected('a port number (1-65535), "auto" or false'),
      )
      .optional(),
    strictPort: z.boolean(expected("true or false")).optional(),
    url: url.optional(),
    scheme: scheme.optional(),
    watch: watchSchema.optional(),
    ready: readySchema.optional(),
    dependsOn: dependsOnSchema.optional(),
    restart: restartSchema.optional(),
    stopSignal: z.enum(signals, expected(signals.map((s) => `"${s}"`).join(", "))).optional(),
    stopTimeout: duration().optional(),
    oneshot: z.boolean(expected("true or false")).optional(),
    image: imageSchema.optional(),
    build: buildSchema.optional(),
    publish: z.boolean(expected("true or false")).optional(),
  },
  "a service: an object with a `command` or a `binary`",
).transform((s, ctx): ParsedService => {
  const problem = (path: PropertyKey[], message: string) =>
    ctx.issues.push({ code: "custom", path, message, input: s });
  const oneshot = s.oneshot ?? false;
  if (s.strictPort && typeof s.port !== "number") {
    problem(
      ["strictPort"],
      `needs a fixed port number, but port is ${s.port === undefined ? "not set" : describe(s.port)}; set \`port\` to a number`,
    );
  }
  if (s.url !== undefined && s.scheme !== undefined) {
    problem(["scheme"], "give either `url` (the whole URL) or `scheme`, not both");
  }
  if (s.port === false && (s.url !== undefined || s.scheme !== undefined)) {
    const field = s.url !== undefined ? "url" : "scheme";
    problem(
      [field],
      `a URL needs a port, but port is false; remove \`${field}\` or the \`port: false\``,
    );
  }
  const restart = restartSpec(s.restart, oneshot);
  if (oneshot && restart.policy === "always") {
    problem(
      ["restart"],
      'a oneshot cannot restart "always" (it would never complete); use "no" or "on-failure"',
    );
  }
  if (restart.initialDelayMs > restart.maxDelayMs) {
    problem(
      ["restart", "delay"],
      `expected at most maxDelay (${restart.maxDelayMs}ms), got ${restart.initialDelayMs}ms; raise \`maxDelay\` too`,
    );
  }
  if (s.image !== undefined && s.build !== undefined) {
    problem(
      ["build"],
      "a service runs an `image` or a `build` when published, not both; remove one",
    );
  }
  // Neither is reported by `runProblems`; the config is then refused as a whole.
  const runs = s.binary ? { binary: s.binary } : { command: s.command ?? "" };
  return {
    oneshot,
    ...runs,
    args: s.args ?? [],
    ...(s.cwd === undefined ? {} : { cwd: s.cwd }),
    env: s.env ?? {},
    envFiles: s.envFile ?? [],
    port: s.port === undefined ? "when-needed" : portRequest(s.port, s.strictPort ?? false),
    ...(s.url === undefined ? {} : { url: s.url }),
    ...(s.scheme === undefined ? {} : { url: `${s.scheme}://localhost:{{port}}` }),
    ...(s.watch === undefined ? {} : { watch: s.watch }),
    ...(s.ready === undefined ? {} : { ready: s.ready }),
    dependsOn: s.dependsOn ?? [],
    container: {
      published: s.publish ?? true,
      ...(s.image === undefined ? {} : { image: s.image }),
      ...(s.build === undefined ? {} : { build: s.build }),
    },
    restart,
    stop: {
      signal: s.stopSignal ?? defaults.stopSignal,
      graceMs: s.stopTimeout ?? defaults.stopTimeoutMs,
    },
  };
});

/**
 * A service runs exactly one of a `command` or a `binary`. Checked on the service as
 * written, apart from its schema, so that a missing `command` is reported even when
 * another field of the service is wrong too (say a misspelt `comand`).
 */
export function runProblems(service: unknown): ConfigIssue[] {
  if (!isPlainObject(service)) return [];
  const { command, binary, args } = service;
  if (command === undefined && binary === undefined) {
    return [
      {
        path: ["command"],
        message:
          "missing; expected a command: a string run by /bin/sh, or an argv array of strings (or a `binary` to download)",
      },
    ];
  }
  if (command !== undefined && binary !== undefined) {
    return [
      {
        path: ["binary"],
        message: "a service runs a `command` or a `binary`, not both; remove one",
      },
    ];
  }
  if (args !== undefined && binary === undefined) {
    return [
      {
        path: ["args"],
        message:
          "`args` are the arguments of a `binary`; with a `command`, write them in the command",
      },
    ];
  }
  return [];
}

function portRequest(port: number | "auto" | false, strictPort: boolean): PortRequest | null {
  if (port === false) return null;
  if (port === "auto") return { mode: "auto" };
  return { mode: strictPort ? "strict" : "preferred", port };
}

/** `dashboard: false`, or `{ port }`. */
export const dashboardSchema = byType(
  "false (no dashboard) or an object like { port: 4000 }",
  (value) =>
    value === false
      ? z.literal(false)
      : isPlainObject(value)
        ? strict({ port: portNumber.optional() }, "an object like { port: 4000 }")
        : undefined,
);

/** The top level; each service is checked on its own with `serviceSchema`. */
export const configSchema = strict(
  {
    name: text("a non-empty instance name").optional(),
    envFile: envFileSchema.optional(),
    services: z
      .custom<Record<string, unknown>>(
        isPlainObject,
        expected('an object of services, like { api: { command: "node api.js" } }'),
      )
      .refine((services) => Object.keys(services).length > 0, {
        error: 'expected at least one service, like { api: { command: "node api.js" } }, got {}',
      }),
    dashboard: dashboardSchema.optional(),
    publish: publishSchema.optional(),
  },
  "a config object (export default defineConfig({ services: { ... } }))",
);
