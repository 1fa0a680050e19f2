import type { LogEntry } from "../../control/protocol.js";
import { createStyles, shouldUseColor } from "../../host/output/colors.js";
import { countFlag } from "../flags.js";
import { connectSelected, type HostFlags } from "../hosts.js";

export interface LogsOptions extends HostFlags {
  service?: string;
  follow: boolean;
  lines: string;
  timestamps: boolean;
  json: boolean;
}

/**
 * `berth logs [service]`: the recent lines of one or every service, then (with -f) new
 * ones as they come, until Ctrl-C or the host stops. `--json` prints one object per line.
 */
export async function logsCommand(options: LogsOptions): Promise<number> {
  const tail = countFlag(options.lines, "--lines");
  const { host, client } = await connectSelected(options);
  const names = options.service ? [options.service] : (host.services ?? []).map((s) => s.name);
  const print = printer(options, Math.max(0, ...names.map((n) => n.length)));
  if (!options.follow) {
    try {
      print(await client.logs({ service: options.service, tail }));
      return 0;
    } finally {
      await client.close();
    }
  }
  const ended = new Promise<number>((resolve) => {
    client.onClose((reason) => {
      if (reason === "lost") process.stderr.write("berth: the app host stopped\n");
      resolve(0);
    });
    process.once("SIGINT", () => void client.close());
  });
  print(await client.followLogs({ service: options.service, tail }, ({ lines }) => print(lines)));
  return ended;
}

function printer(options: LogsOptions, nameWidth: number): (lines: LogEntry[]) => void {
  if (options.json) {
    return (lines) => {
      if (lines.length) process.stdout.write(lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
    };
  }
  const styles = createStyles(shouldUseColor(process.stdout, process.env));
  let width = nameWidth;
  return (lines) => {
    let out = "";
    for (const line of lines) {
      width = Math.max(width, line.service.length);
      const time = options.timestamps ? `${new Date(line.time).toISOString()} ` : "";
      const prefix = styles.service(line.service)(`${line.service.padEnd(width)} |`);
      out += `${time}${prefix} ${line.text}\n`;
    }
    if (out) process.stdout.write(out);
  };
}
