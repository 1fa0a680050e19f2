/** The `ready` field: one readiness check (http, tcp, log or command) and its timeout. */
import * as z from "zod";
import type { NormalizedReady } from "./normalized.js";
import { byType, command, duration, expected, portNumber, strict, text } from "./fields.js";
import { isPlainObject } from "./issues.js";

export const READY_TIMEOUT_MS = 60_000;
const kinds = ["http", "tcp", "log", "command"] as const;

const path = z.custom<string>(
  (v) => typeof v === "string" && (v.startsWith("/") || v.startsWith("{{")),
  expected('a path starting with "/"'),
);

const httpObject = strict(
  {
    path: path.optional(),
    url: z
      .custom<string>(
        (v) => typeof v === "string" && /^(https?:\/\/|\{\{)/.test(v),
        expected('a URL like "http://localhost:3000/health"'),
      )
      .optional(),
    status: z
      .custom<number>(
        (v) => typeof v === "number" && Number.isInteger(v) && v >= 100 && v <= 599,
        expected("an HTTP status code (100-599)"),
      )
      .optional(),
    body: z.string(expected("the expected response body as a string")).optional(),
  },
  "{ path, url, status, body }",
).refine((http) => http.path === undefined || http.url === undefined, {
  path: ["url"],
  error: "expected either `path` (on the service's own port) or `url`, not both",
});

const http = byType('a path like "/health", or { path, url, status, body }', (value) =>
  typeof value === "string"
    ? path.transform((p): z.output<typeof httpObject> => ({ path: p }))
    : isPlainObject(value)
      ? httpObject
      : undefined,
);

const tcp = byType("true (the service's own port) or { port: number }", (value) =>
  value === true
    ? z.literal(true).transform((): { port?: number } => ({}))
    : isPlainObject(value)
      ? strict({ port: portNumber }, "{ port: number }")
      : undefined,
);

// A `g` or `y` flag makes `test()` remember where it stopped, so the same line could
// match once and then not: readiness must not depend on what was tested before.
const log = byType("a substring or a RegExp to look for in the output", (value) =>
  typeof value === "string"
    ? text("a non-empty substring").transform((s) => new RegExp(escapeRegExp(s)))
    : value instanceof RegExp
      ? z.instanceof(RegExp).transform((r) => new RegExp(r.source, r.flags.replace(/[gy]/g, "")))
      : undefined,
);

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export const readySchema = strict(
  {
    timeout: duration({ positive: true }).optional(),
    http: http.optional(),
    tcp: tcp.optional(),
    log: log.optional(),
    command: command.optional(),
  },
  'a readiness check like { http: "/health" }, { tcp: true }, { log: "listening" } or { command: [...] }',
).transform((ready, ctx): NormalizedReady => {
  const timeoutMs = ready.timeout ?? READY_TIMEOUT_MS;
  const given = kinds.filter((kind) => ready[kind] !== undefined);
  if (given.length !== 1) {
    const found = given.length === 0 ? "none" : given.join(" and ");
    ctx.issues.push({
      code: "custom",
      message: `expected exactly one check: http, tcp, log or command, got ${found}`,
      input: ready,
    });
    return z.NEVER;
  }
  if (ready.http) {
    const { path, url, status, body } = ready.http;
    return { timeoutMs, kind: "http", ...(url ? { url } : { path: path ?? "/" }), status, body };
  }
  if (ready.tcp) return { timeoutMs, kind: "tcp", port: ready.tcp.port };
  if (ready.log) return { timeoutMs, kind: "log", pattern: ready.log };
  return { timeoutMs, kind: "command", command: ready.command! };
});
