import { Worker } from "node:worker_threads";
import { ToolError } from "../errors.js";

/** How long one search's regular expression may run over the lines before it is stopped. */
export const REGEX_TIME_LIMIT_MS = 2_000;

export interface MatchOptions {
  regex?: boolean;
  ignoreCase?: boolean;
  /** Default `REGEX_TIME_LIMIT_MS`. */
  timeLimitMs?: number;
}

/**
 * Which of `texts` match `query` for `search_logs`: a substring, or a JavaScript regular
 * expression, either optionally regardless of case. A bad regular expression is the agent's
 * to fix. A regular expression runs in a worker thread under a time limit: one that
 * backtracks without end (`^(a+)+$`) would otherwise hold the server's only thread, and
 * every other call with it.
 *
 * @example
 * await findMatches("error", ["Error: boom", "ok"], { ignoreCase: true }); // [true, false]
 */
export async function findMatches(
  query: string,
  texts: string[],
  options: MatchOptions = {},
): Promise<boolean[]> {
  const flags = options.ignoreCase ? "i" : "";
  if (!options.regex) {
    if (!options.ignoreCase) return texts.map((text) => text.includes(query));
    const lower = query.toLowerCase();
    return texts.map((text) => text.toLowerCase().includes(lower));
  }
  try {
    new RegExp(query, flags);
  } catch (error) {
    throw new ToolError(
      "USAGE",
      `query is not a valid regular expression: ${(error as Error).message}. Fix it, or search for plain text with regex: false.`,
    );
  }
  return matchInWorker(query, flags, texts, options.timeLimitMs ?? REGEX_TIME_LIMIT_MS);
}

// Plain JavaScript, evaluated by the worker: the CLI is one bundle with no file to point at.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const pattern = new RegExp(workerData.query, workerData.flags);
parentPort.postMessage(workerData.texts.map((text) => pattern.test(text)));
`;

function matchInWorker(
  query: string,
  flags: string,
  texts: string[],
  limitMs: number,
): Promise<boolean[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { query, flags, texts } });
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(
        new ToolError(
          "USAGE",
          `the regular expression /${query}/ took longer than ${limitMs / 1000} s over ${texts.length} lines, ` +
            "so it was stopped (nested repetition such as (a+)+ backtracks without end). Simplify it, " +
            "narrow the search with `service` or `since`, or search for plain text with regex: false.",
        ),
      );
    }, limitMs);
    worker.once("message", (matched: boolean[]) => {
      clearTimeout(timer);
      void worker.terminate();
      resolve(matched);
    });
    worker.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
