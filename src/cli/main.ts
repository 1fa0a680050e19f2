import { Command, CommanderError } from "commander";
import { ExitCode } from "../errors.js";
import { berthVersion as version } from "../version.js";
import { printError } from "./print-error.js";

/**
 * The `berth` command. This file only wires commands; each one is imported when it runs,
 * so a quick command never pays for the modules of another.
 */

const program = new Command("berth")
  .description("A local-development app host: every service of a project up, ready and logged.")
  .version(version, "-V, --version")
  .option("--verbose", "print stack traces and extra detail")
  .showHelpAfterError("(run `berth --help` for usage)")
  .exitOverride();

program
  .command("run")
  .description("start every service of the project in the foreground; Ctrl-C stops them all")
  .option(
    "-c, --config <path>",
    "the config file (default: berth.config.* found upwards from here)",
  )
  .action(async (options: { config?: string }) => {
    const { runCommand } = await import("./commands/run.js");
    process.exitCode = await runCommand({
      cwd: process.cwd(),
      configPath: options.config,
      verbose: Boolean(program.opts().verbose),
    });
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander has already printed what was wrong; help and version are not errors.
    process.exitCode = error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  } else {
    process.exitCode = printError(error, Boolean(program.opts().verbose));
  }
}
