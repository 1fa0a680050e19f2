import { dirname, join } from "node:path";
import { unknownService } from "../../config/select-services.js";
import { closest } from "../../config/suggest.js";
import { maskSecret } from "../../model/mask-secret.js";
import { peekSecret } from "../../model/state-peek.js";
import { BerthError } from "../../errors.js";
import { plural } from "../../plural.js";
import { lastLines, serviceLogFiles } from "../../supervisor/logs/log-files.js";
import type { LogsOptions, PrintedLine, printer as Printer } from "./logs.js";

/**
 * `berth logs` when the project is not running (after a crash, say): the last lines of
 * each service's log file, then a word on stderr that these are from the files.
 *
 * The files keep no time per line, so services cannot be interleaved as a running host
 * does: each service's lines come together (`-n` lines each), the service that wrote last
 * printed last, next to the prompt. With `-f` there is nothing to follow: it says so and
 * ends. No log at all is exit 7.
 */
export async function offlineLogs(
  options: Omit<LogsOptions, "lines"> & { tail: number },
  appHostPath: string,
  printer: typeof Printer,
): Promise<number> {
  const logsDir = join(dirname(appHostPath), ".berth", "logs");
  let files = serviceLogFiles(logsDir).sort((a, b) => a.mtimeMs - b.mtimeMs);
  if (options.service !== undefined) {
    const known = files.map((f) => f.service);
    files = files.filter((f) => f.service === options.service);
    if (files.length === 0) {
      const configured = await configuredServices(appHostPath);
      if (configured && !configured.includes(options.service)) {
        throw unknownService(options.service, configured, "", appHostPath);
      }
      throw noLogOf(options.service, known, appHostPath, logsDir);
    }
  }
  if (files.length === 0) {
    throw new BerthError(
      "NOT_RUNNING",
      `${appHostPath} is not running, and it has no logs yet (${logsDir} is empty or missing). ` +
        "Start it with `berth run`.",
    );
  }
  const secret = peekSecret(dirname(appHostPath));
  const print = printer(
    options,
    files.map((f) => f.service),
  );
  let printed = 0;
  for (const { service, file } of files) {
    const lines: PrintedLine[] = lastLines(file, options.tail).map((text) => ({
      service,
      time: null,
      stream: null,
      text: secret ? maskSecret(text, secret) : text,
    }));
    print(lines);
    printed += lines.length;
  }
  if (printed === 0 && options.tail > 0) {
    throw new BerthError(
      "NOT_RUNNING",
      `${appHostPath} is not running, and its log files in ${logsDir} are empty. Start it with \`berth run\`.`,
    );
  }
  const where = files.length === 1 ? files[0]!.file : logsDir;
  const order = files.length === 1 ? "" : ", one service after another, the latest last";
  const notes = [
    printed === 0
      ? `berth: ${appHostPath} is not running; its logs are in ${where}.`
      : `berth: ${appHostPath} is not running; above are the last ${plural(printed, "line")} ` +
        `of its log files (${where}${order}).`,
  ];
  if (options.timestamps && !options.json) {
    notes.push("berth: the log files keep no time per line; --timestamps needs a running host.");
  }
  if (options.follow) notes.push("berth: nothing to follow; start it with `berth run`.");
  process.stderr.write(`${notes.join("\n")}\n`);
  return 0;
}

/** No log file for the service asked for: a likely typo (exit 2), else no logs (exit 7). */
function noLogOf(name: string, known: string[], appHostPath: string, logsDir: string): BerthError {
  const guess = closest(name, known);
  const others = known.length ? ` Logs there: ${known.join(", ")}.` : "";
  if (guess !== undefined) {
    return new BerthError(
      "USAGE",
      `${appHostPath} is not running, and ${logsDir} has no log of a service named "${name}"; did you mean "${guess}"?${others}`,
    );
  }
  return new BerthError(
    "NOT_RUNNING",
    `${appHostPath} is not running, and ${logsDir} has no log of "${name}" (it has not run yet).${others}`,
  );
}

/** The services of the config, to tell a misspelt name from one that has not run yet. */
async function configuredServices(appHostPath: string): Promise<string[] | undefined> {
  try {
    const { resolveConfig } = await import("../../config/index.js");
    const config = await resolveConfig({ cwd: dirname(appHostPath), configPath: appHostPath });
    return config.services.map((s) => s.name);
  } catch {
    // A config that does not load says nothing either way: the log files answer alone.
    return undefined;
  }
}
