import { Command, CommanderError, Option } from "commander";
import { configLeftWork } from "../config/load-guard.js";
import { ExitCode } from "../errors.js";
import { berthVersion } from "../version.js";
import { pidFlag, projectFlag } from "./flags.js";
import type { McpClient } from "./mcp-init/clients.js";
import { printError } from "./print-error.js";

/**
 * The `berth` command. This file only wires commands; each one is imported when it runs,
 * so a quick command (`berth ps`) never pays for the modules of another (`berth run`).
 */

// `berth logs | head`: the reader has gone, and there is no one left to tell anything to.
// Exit quietly instead of crashing with a stack; a writer that handles the error itself (a
// host's terminal output, which must keep the services running) is left to do so.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (stream.listenerCount("error") > 1) return;
    if (error.code === "EPIPE") process.exit();
    throw error;
  });
}

const program = new Command("berth")
  .description("A local-development app host: every service of a project up, ready and logged.")
  .version(berthVersion, "-V, --version")
  .option("--verbose", "print stack traces and extra detail")
  .showHelpAfterError("(run `berth --help` for usage)")
  .enablePositionalOptions()
  .exitOverride();

const verbose = () => Boolean(program.opts().verbose);

/** Runs a command's handler: its exit code, or the exit code of the error it threw. */
function action<A extends unknown[]>(handler: (...args: A) => Promise<number>) {
  return async (...args: A) => {
    try {
      process.exitCode = await handler(...args);
    } catch (error) {
      process.exitCode = printError(error, verbose());
    }
  };
}

const CONFIG_HELP = "the config file (default: berth.config.* found upwards)";

/** `--config` and its synonym `--apphost`: the project a command acts on. */
function projectOptions(command: Command): Command {
  return command
    .option("-c, --config <path>", CONFIG_HELP)
    .option("--apphost <path>", "the same as --config");
}

/**
 * `--config`, `--apphost` (the same: the app host of this config file or folder) and
 * `--pid`: which running host a command acts on.
 */
function hostOptions(command: Command): Command {
  return command
    .option("-c, --config <path>", "the app host of this config file (or its folder)")
    .option("--apphost <path>", "the same as --config")
    .option("--pid <pid>", "the app host with this process ID", pidFlag);
}

interface HostOpts {
  config?: string;
  apphost?: string;
  pid?: number;
}

/** The host flags as commands take them: `--config` folded into `apphost`. */
function hostFlags(options: HostOpts): { cwd: string; apphost?: string; pid?: number } {
  return { cwd: process.cwd(), apphost: projectFlag(options), pid: options.pid };
}

projectOptions(
  program
    .command("run [services...]")
    .description(
      "start every service of the project (or these and what they depend on); Ctrl-C stops them all",
    )
    .option("-d, --detach", "run in the background; return once every service is up")
    .addOption(new Option("--host-detached <launcherPid>").hideHelp())
    .addOption(new Option("--host-log <file>").hideHelp()),
).action(
  action(
    async (
      services: string[],
      options: {
        config?: string;
        apphost?: string;
        detach?: boolean;
        hostDetached?: string;
        hostLog?: string;
      },
    ) => {
      const configPath = projectFlag(options);
      if (options.detach) {
        const { detachCommand } = await import("./commands/detach.js");
        return detachCommand({ cwd: process.cwd(), configPath, services });
      }
      const { runHost } = await import("../host/host.js");
      return runHost({
        cwd: process.cwd(),
        configPath,
        only: services,
        output: process.stdout,
        verbose: verbose(),
        detached: options.hostDetached
          ? { launcherPid: Number(options.hostDetached), logFile: options.hostLog }
          : undefined,
      });
    },
  ),
);

projectOptions(
  program
    .command("exec")
    .description(
      "run a command with the project's services up (starting them just for it if needed)",
    )
    .argument("<command...>", "the command, after `--`"),
)
  .option("--only <services>", "start only these services (comma-separated) and their dependencies")
  .option("--logs", "show the services' output (on stderr)")
  .passThroughOptions()
  .action(
    action(
      async (
        command: string[],
        options: { config?: string; apphost?: string; only?: string; logs?: boolean },
      ) => {
        const { execCommand } = await import("./commands/exec.js");
        return execCommand({
          cwd: process.cwd(),
          configPath: projectFlag(options),
          only: options.only
            ?.split(",")
            .map((s) => s.trim())
            .filter(Boolean),
          logs: Boolean(options.logs),
          verbose: verbose(),
          command,
        });
      },
    ),
  );

projectOptions(
  program
    .command("ps")
    .description(
      "list every app host running on this machine (or only this project's), with its services",
    )
    .option("--json", "machine-readable output (an array; empty when none run)"),
).action(
  action(async (options: { config?: string; apphost?: string; json?: boolean }) => {
    const { psCommand } = await import("./commands/ps.js");
    return psCommand({
      cwd: process.cwd(),
      configPath: projectFlag(options),
      json: Boolean(options.json),
    });
  }),
);

hostOptions(
  program
    .command("stop [service]")
    .description("stop the app host here (or one of its services); returns once its ports are free")
    .option("--all", "stop every app host on this machine")
    .option("--timeout <duration>", "time the host gets to stop before it is signalled", "30s"),
).action(
  action(
    async (service: string | undefined, options: HostOpts & { all?: boolean; timeout: string }) => {
      const { stopCommand } = await import("./commands/stop.js");
      return stopCommand({
        ...hostFlags(options),
        timeout: options.timeout,
        service,
        all: Boolean(options.all),
      });
    },
  ),
);

hostOptions(
  program
    .command("logs [service]")
    .description(
      "print recent log lines of the services (or one), and follow with -f; " +
        "from .berth/logs/ when the project is not running",
    )
    .option("-f, --follow", "keep printing new lines until Ctrl-C")
    .option(
      "-n, --lines <count>",
      "lines to show from the end (of each log file when not running)",
      "100",
    )
    .option("-t, --timestamps", "show each line's time")
    .option("--json", "one JSON object per line"),
).action(
  action(
    async (
      service: string | undefined,
      options: HostOpts & { follow?: boolean; lines: string; timestamps?: boolean; json?: boolean },
    ) => {
      const { logsCommand } = await import("./commands/logs.js");
      return logsCommand({
        ...hostFlags(options),
        lines: options.lines,
        service,
        follow: Boolean(options.follow),
        timestamps: Boolean(options.timestamps),
        json: Boolean(options.json),
      });
    },
  ),
);

for (const verb of ["start", "restart"] as const) {
  hostOptions(
    program
      .command(`${verb} <service>`)
      .description(`${verb} one service of the running app host and wait until it is up`),
  ).action(
    action(async (service: string, options: HostOpts) => {
      const { serviceActionCommand } = await import("./commands/service-action.js");
      return serviceActionCommand(verb, { ...hostFlags(options), service });
    }),
  );
}

hostOptions(
  program
    .command("dashboard")
    .description("print the running app host's dashboard login link and open it in a browser")
    .option("--no-open", "only print the link"),
).action(
  action(async (options: HostOpts & { open: boolean }) => {
    const { dashboardCommand } = await import("./commands/dashboard.js");
    return dashboardCommand({ ...hostFlags(options), open: options.open });
  }),
);

const binaries = program
  .command("binaries")
  .description("list cached binaries and the projects that use them")
  .option("--json", "machine-readable output")
  .action(
    action(async (options: { json?: boolean }) => {
      const { binariesCommand } = await import("./commands/binaries.js");
      return binariesCommand({ json: Boolean(options.json) });
    }),
  );
binaries
  .command("prune")
  .description("remove cached binary versions no project uses")
  .option("--dry-run", "only say what would be removed")
  .action(
    action(async (_options: unknown, command: Command) => {
      // --json is the parent's option; optsWithGlobals sees it wherever it was written.
      const options = command.optsWithGlobals<{ dryRun?: boolean; json?: boolean }>();
      const { binariesPruneCommand } = await import("./commands/binaries.js");
      return binariesPruneCommand({ dryRun: Boolean(options.dryRun), json: Boolean(options.json) });
    }),
  );

projectOptions(
  program
    .command("status")
    .description(
      "is this project running, and its services? (exit code: 0 running, 7 not, 8 unresponsive or slow, 5 port taken)",
    )
    .option("--json", "machine-readable output"),
).action(
  action(async (options: { config?: string; apphost?: string; json?: boolean }) => {
    const { statusCommand } = await import("./commands/status.js");
    return statusCommand({
      cwd: process.cwd(),
      configPath: projectFlag(options),
      json: Boolean(options.json),
    });
  }),
);

const mcp = program
  .command("mcp")
  .description("serve MCP over stdio: coding agents see and drive every running project")
  .action(
    action(async () => {
      const { mcpCommand } = await import("./commands/mcp.js");
      return mcpCommand({ cwd: process.cwd() });
    }),
  );

projectOptions(
  mcp
    .command("init")
    .description(
      "add the berth MCP server to a coding agent's config for this project " +
        "(default: the client whose file the project has, else Claude Code's .mcp.json)",
    )
    .addOption(
      new Option("--client <client>", "the client to write for").choices([
        "claude",
        "cursor",
        "vscode",
      ] satisfies McpClient[]),
    )
    .option("--print", "print the file as it would be written, and write nothing"),
).action(
  action(
    async (options: { config?: string; apphost?: string; client?: McpClient; print?: boolean }) => {
      const { mcpInitCommand } = await import("./commands/mcp-init.js");
      return mcpInitCommand({
        cwd: process.cwd(),
        configPath: projectFlag(options),
        client: options.client,
        print: Boolean(options.print),
      });
    },
  ),
);

projectOptions(
  program
    .command("publish")
    .description(
      "write the app for Docker Compose or Kubernetes: compose.yaml, or manifests with a " +
        "kustomization.yaml (edits are kept: a file you changed is replaced only with --force)",
    )
    .addOption(
      new Option("-t, --target <engine>", "the engine to write for")
        .choices(["compose", "kubernetes"])
        .makeOptionMandatory(),
    )
    .option("-o, --out <dir>", "the folder to write (default: <project>/deploy/<engine>)")
    .option("--force", "replace files you edited since berth wrote them"),
).action(
  action(
    async (options: {
      config?: string;
      apphost?: string;
      target: "compose" | "kubernetes";
      out?: string;
      force?: boolean;
    }) => {
      const { publishCommand } = await import("./commands/publish.js");
      return publishCommand({
        cwd: process.cwd(),
        configPath: projectFlag(options),
        target: options.target,
        out: options.out,
        force: Boolean(options.force),
        verbose: verbose(),
      });
    },
  ),
);

/** Parses the command line and runs the command; never rejects. */
async function main(): Promise<void> {
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed what was wrong; help and version are not errors.
      process.exitCode = error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    } else {
      process.exitCode = printError(error, verbose());
    }
  }
}

// Not a top-level await: the CLI is bundled as CommonJS (see scripts/bundle.mjs). Node would
// fail a top-level await that never settles (exit 13); a command that hangs up on its own
// promises without answering must not exit 0 either.
let settled = false;
void main().finally(() => {
  settled = true;
  // The config's own timers or sockets would keep berth waiting after its command is done.
  if (configLeftWork()) process.exit();
});
process.on("exit", () => {
  if (!settled && process.exitCode === undefined) process.exitCode = ExitCode.internal;
});
