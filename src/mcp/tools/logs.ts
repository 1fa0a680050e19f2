import { z } from "zod";
import { DEFAULT_RING_LINES } from "../../supervisor/logs/log-ring.js";
import { plural } from "../../plural.js";
import { cutLine, keepLatest } from "../logs/bound.js";
import { findMatches } from "../logs/match.js";
import { sinceTime } from "../logs/since.js";
import { readLogs, type FoundLine, type LogSource } from "../logs/source.js";
import { answer } from "../results.js";
import { hostArgs, targetOf, type ToolContext } from "./shared.js";

const MAX_LINES = 1_000;
const MAX_MATCHES = 500;
/** Lines of each service searched: all a host keeps in memory; the same from a log file. */
const SEARCH_TAIL = DEFAULT_RING_LINES;

/** `get_logs` and `search_logs`. */
export function registerLogTools({ server, view, now }: ToolContext): void {
  server.registerTool(
    "get_logs",
    {
      title: "Get service logs",
      description:
        "The last lines of one service's output, or of every service merged by time, with each line's service, time and stream. " +
        "Works for a project that is not running too (read from its .berth/logs/ files, without times). " +
        "Output is bounded; a note says when lines were left out.",
      inputSchema: {
        service: z.string().optional().describe("One service (default: every service)."),
        lines: z
          .number()
          .int()
          .min(1)
          .max(MAX_LINES)
          .optional()
          .describe("How many of the latest lines (default 100)."),
        since: z
          .string()
          .optional()
          .describe(
            "Only lines from this time on: ISO 8601 (2026-12-05T21:00:00Z) or a duration back from now (90s, 5m, 1h).",
          ),
        ...hostArgs,
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args) =>
      answer(async () => {
        const count = args.lines ?? 100;
        const since = sinceTime(args.since, now());
        const source = await readLogs(
          view,
          targetOf(args),
          args.service,
          since ? SEARCH_TAIL : count,
        );
        let lines =
          since === undefined
            ? source.lines
            : source.lines.filter((l) => l.time === null || l.time >= since);
        const notes: string[] = [];
        if (source.running && lines.length > count) {
          notes.push(
            `showing the latest ${count} lines across services; for older ones raise \`lines\`, use \`since\` or name a \`service\``,
          );
          lines = lines.slice(-count);
        }
        const shown = bounded(lines, notes);
        notes.push(...offlineNotes(source, since));
        const header = `${plural(shown.length, "line")} of ${source.services.join(", ") || "no service"} (${source.appHostPath}${source.running ? "" : ", not running"})`;
        return {
          text: [header, ...shown.map(formatLine), ...notes.map((n) => `[${n}]`)].join("\n"),
          data: {
            appHostPath: source.appHostPath,
            running: source.running,
            lines: shown.map(jsonLine),
            notes,
          },
        };
      }),
  );

  server.registerTool(
    "search_logs",
    {
      title: "Search service logs",
      description:
        "Finds log lines matching a substring or a regular expression across every service (or one), " +
        "returning each match with its service and time. Searches the lines each service's host keeps in memory " +
        `(its last ${SEARCH_TAIL}), or the ends of the log files when the project is not running.`,
      inputSchema: {
        query: z
          .string()
          .min(1)
          .describe("Text to find, or a regular expression with regex: true."),
        regex: z
          .boolean()
          .optional()
          .describe("Treat query as a JavaScript regular expression (default false)."),
        ignoreCase: z.boolean().optional().describe("Match regardless of case (default false)."),
        service: z
          .string()
          .optional()
          .describe("Search only this service (default: every service)."),
        since: z
          .string()
          .optional()
          .describe("Only lines from this time on: ISO 8601 or a duration back from now (5m)."),
        limit: z
          .number()
          .int()
          .min(1)
          .max(MAX_MATCHES)
          .optional()
          .describe("Most matches returned, the latest (default 100)."),
        ...hostArgs,
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args) =>
      answer(async () => {
        const since = sinceTime(args.since, now());
        const source = await readLogs(view, targetOf(args), args.service, SEARCH_TAIL);
        const recent = source.lines.filter(
          (l) => since === undefined || l.time === null || l.time >= since,
        );
        const matched = await findMatches(
          args.query,
          recent.map((l) => l.text),
          args,
        );
        let found = recent.filter((_, i) => matched[i]);
        const limit = args.limit ?? 100;
        const notes: string[] = [];
        const total = found.length;
        if (total > limit) {
          notes.push(
            `${total} lines matched; showing the latest ${limit} (raise \`limit\` or narrow the query)`,
          );
          found = found.slice(-limit);
        }
        const shown = bounded(found, notes);
        notes.push(...offlineNotes(source, since));
        const header = `${plural(total, "match", "matches")} for ${args.regex ? "/" + args.query + "/" : JSON.stringify(args.query)}${args.ignoreCase ? " (ignoring case)" : ""} in ${source.services.join(", ") || "no service"} (${source.appHostPath}${source.running ? "" : ", not running"})`;
        return {
          text: [header, ...shown.map(formatLine), ...notes.map((n) => `[${n}]`)].join("\n"),
          data: {
            appHostPath: source.appHostPath,
            running: source.running,
            total,
            matches: shown.map(jsonLine),
            notes,
          },
        };
      }),
  );
}

/** Lines within the answer's size, long ones cut; a note when any was left out. */
function bounded(lines: FoundLine[], notes: string[]): FoundLine[] {
  const cut = lines.map((line) => ({ ...line, text: cutLine(line.text) }));
  const { kept, dropped } = keepLatest(cut, (line) => line.text);
  if (dropped > 0) {
    notes.push(
      `${plural(dropped, "older line")} left out to keep the answer small; use \`since\`, \`service\` or fewer \`lines\``,
    );
  }
  return kept;
}

function offlineNotes(source: LogSource, since: number | undefined): string[] {
  if (source.running) return [];
  const notes = [
    "the project is not running: these lines come from its log files in .berth/logs/, one service after another (the files keep no times)",
  ];
  if (since !== undefined) notes.push("`since` cannot apply to log files (no times per line)");
  return notes;
}

function formatLine(line: FoundLine): string {
  const time = line.time === null ? "" : `${new Date(line.time).toISOString()} `;
  return `${time}${line.service} | ${line.text}`;
}

function jsonLine(line: FoundLine) {
  return {
    service: line.service,
    time: line.time === null ? null : new Date(line.time).toISOString(),
    stream: line.stream,
    text: line.text,
  };
}
