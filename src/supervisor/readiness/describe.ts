import type { ReadyCheck } from "../../model/app.js";

/**
 * A readiness check in words, for the waiting notice and error messages.
 *
 * @example
 * describeCheck({ kind: "tcp", port: 5432, timeoutMs: 30_000 }); // "TCP 127.0.0.1:5432"
 */
export function describeCheck(check: ReadyCheck): string {
  switch (check.kind) {
    case "http": {
      const status = check.status === undefined ? "HTTP 2xx/3xx" : `HTTP ${check.status}`;
      const body = check.body === undefined ? "" : ` with body ${JSON.stringify(check.body)}`;
      return `${status} from ${check.url}${body}`;
    }
    case "tcp":
      return check.implied
        ? `port ${check.port} to accept connections`
        : `TCP 127.0.0.1:${check.port}`;
    case "log":
      return `a log line matching ${String(check.pattern)}`;
    case "command":
      return `command \`${check.command.display}\``;
  }
}

/** Shortens `text` to `max` characters for a message, marking the cut. */
export function truncate(text: string, max = 80): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
