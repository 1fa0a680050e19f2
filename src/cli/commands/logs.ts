import { findConfig } from "../../config/find.js";
import type { LogEntry } from "../../control/protocol.js";
import { BerthError, isBerthError } from "../../errors.js";
import { createStyles, shouldUseColor } from "../../platform/terminal/colors.js";
import { terminalSafe } from "../../platform/terminal/terminal-text.js";
import { countFlag } from "../flags.js";
import { PROBE_MS, watchHostSilence } from "../host-silence.js";
import { connectSelected, type HostFlags } from "../hosts.js";

export interface LogsOptions extends HostFlags {
  service?: string;
  follow: boolean;
  lines: string;
  timestamps: boolean;
  json: boolean;
}

/** A line to print: from the host, or (no time, no stream) from a log file. */
export type PrintedLine = Omit<LogEntry, "time" | "stream"> & {
  time: number | null;
  stream: LogEntry["stream"] | null;
};

/**
 * `berth logs [service]`: the recent lines of one or every service, then (with -f) new
 * ones as they come, until Ctrl-C or the host stops. `--json` prints one object per line.
 * When the project is not running, the last lines of its log files (`.berth/logs/`).
 */
export async function logsCommand(options: LogsOptions): Promise<number> {
  const tail = countFlag(options.lines, "--lines");
  let selected: Awaited<ReturnType<typeof connectSelected>>;
  try {
    selected = await connectSelected(options);
  } catch (error) {
    // A pid names a running host: nothing on disk to fall back to.
    if (!isBerthError(error, "NOT_RUNNING") || options.pid !== undefined) throw error;
    const appHostPath = projectOf(options, error);
    const { offlineLogs } = await import("./logs-offline.js");
    return offlineLogs({ ...options, tail }, appHostPath, printer);
  }
  const { host, client } = selected;
  const names = (host.services ?? []).map((s) => s.name);
  const print = printer(options, options.service ? [options.service] : names, names);
  if (!options.follow) {
    try {
      print(await client.logs({ service: options.service, tail }));
      return 0;
    } finally {
      await client.close();
    }
  }
  // A host that stops answering (SIGSTOP'd, say) is said to have, and followed on.
  const silence = watchHostSilence({
    probe: () => client.describe({ timeoutMs: PROBE_MS }),
    host: `the app host (pid ${host.pid})`,
    say: (text) => process.stderr.write(`berth: ${text}\n`),
  });
  const ended = new Promise<number>((resolve) => {
    client.onClose((reason) => {
      silence.dispose();
      if (reason === "lost") process.stderr.write("berth: the app host stopped\n");
      resolve(0);
    });
    process.once("SIGINT", () => void client.close());
  });
  const follow = ({ lines }: { lines: LogEntry[] }) => {
    silence.heard();
    print(lines);
  };
  print(
    await client.followLogs({ service: options.service, tail }, follow).catch((error: unknown) => {
      silence.dispose();
      throw error;
    }),
  );
  return ended;
}

/**
 * The config of the project meant, when no host runs it: `--config`/`--apphost`, else the
 * one found from here up. With neither, the error stays "no app host runs here".
 */
function projectOf(options: LogsOptions, notRunning: BerthError): string {
  try {
    return findConfig(options.cwd, options.apphost);
  } catch (error) {
    if (options.apphost === undefined && isBerthError(error, "CONFIG_NOT_FOUND")) throw notRunning;
    throw error;
  }
}

/**
 * Prints lines as `<service> | <text>` (padded to the widest of `shown`, coloured as
 * `berth run` colours them: in the order of `all`) or, with --json, as objects.
 */
export function printer(
  options: Pick<LogsOptions, "json" | "timestamps">,
  shown: readonly string[],
  all: readonly string[] = shown,
): (lines: PrintedLine[]) => void {
  if (options.json) {
    return (lines) => {
      if (lines.length) process.stdout.write(lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
    };
  }
  const styles = createStyles(shouldUseColor(process.stdout, process.env));
  for (const name of all) styles.service(name);
  let width = Math.max(0, ...shown.map((name) => name.length));
  return (lines) => {
    let out = "";
    for (const line of lines) {
      width = Math.max(width, line.service.length);
      const time =
        options.timestamps && line.time !== null ? `${new Date(line.time).toISOString()} ` : "";
      const prefix = styles.service(line.service)(`${line.service.padEnd(width)} |`);
      // Colours pass; a title, a clear screen or a cursor move would rewrite the terminal.
      out += `${time}${prefix} ${terminalSafe(line.text)}\n`;
    }
    if (out) process.stdout.write(out);
  };
}
