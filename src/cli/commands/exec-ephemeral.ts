import { maskSecret } from "../../model/mask-secret.js";
import { resolveConfig } from "../../config/index.js";
import { selectServices } from "../../config/select-services.js";
import { ExitCode } from "../../errors.js";
import { AppHost } from "../../host/app-host.js";
import { TerminalReporter } from "../../host/output/terminal-reporter.js";
import { repeatsShownOutput } from "../../host/shown-output.js";
import { watchSignals } from "../../host/signals.js";
import { serviceEnv } from "../exec-env.js";
import { asBringUpFailure, bringUpFailed, runCommand } from "../run-command.js";
import type { ExecOptions } from "./exec.js";

/** No host runs: start one just for this command, and stop it afterwards. */
export async function execEphemeral(options: ExecOptions): Promise<number> {
  const config = selectServices(
    await resolveConfig(options).catch((error: unknown) => {
      throw asBringUpFailure(error);
    }),
    options.only,
    "--only",
  );
  const reporter = new TerminalReporter({ output: process.stderr });
  reporter.setServices(config.services.map(({ name }) => ({ name })));
  const host = await AppHost.open({
    config,
    verbose: options.verbose,
    // A one-off command runs with what is installed; `berth run` looks for newer versions.
    preferInstalled: true,
    onEvent: (event) => {
      // With --logs every line is shown already; without, what it waits on and the
      // failure's last lines say why it takes long or failed.
      const shown = options.logs
        ? !repeatsShownOutput(event)
        : event.type === "message" ||
          event.type === "waiting" ||
          (event.type === "state" && event.state === "failed");
      if (shown) reporter.handle(event);
    },
    // Only with --logs does the services' output reach the terminal.
    forceColor: options.logs ? reporter.childForceColor : undefined,
  }).catch(async (error: unknown) => {
    await reporter.close();
    throw asBringUpFailure(error);
  });
  reporter.setServices(host.app.services);
  reporter.hideSecret(host.app.instance.secret);
  // While the services start, a signal stops them (a second Ctrl-C kills them) and the
  // command never runs; once it runs, runCommand leaves Ctrl-C to the command.
  let interrupted = false;
  const signals = watchSignals({
    onStop: () => {
      interrupted = true;
      host.requestStop();
    },
    onForce: () => host.forceStop(),
  });
  try {
    await host.start().catch((error: unknown) => {
      throw asBringUpFailure(error);
    });
    if (interrupted) return ExitCode.interrupted;
    const services = host.supervisor.services();
    const failed = services.filter((s) => s.state === "failed" || s.state === "stopped");
    if (failed.length > 0) {
      const why = failed.map((s) => `${s.name} ${s.state}: ${s.reason ?? "unknown reason"}`);
      throw bringUpFailed(maskSecret(why.join("; "), host.app.instance.secret));
    }
    signals.dispose();
    return await runCommand(
      options.command,
      serviceEnv(
        host.app.services.map((s) => ({ name: s.name, port: s.port ?? null, url: s.url ?? null })),
      ),
    );
  } finally {
    signals.dispose();
    await releasedByOthers(host);
    // Whatever ended the command (Ctrl-C included), the host stops; a signal meanwhile
    // must not kill berth before it has.
    const ignore = () => {};
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, ignore);
    await host.close();
    await reporter.close();
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.off(signal, ignore);
  }
}

/**
 * Another `berth exec` that found this host running uses its services while its command
 * runs (it holds the host): they stay up until it is done, or until Ctrl-C.
 */
async function releasedByOthers(host: AppHost): Promise<void> {
  let interrupted = () => {};
  const signal = new Promise<void>((resolve) => (interrupted = resolve));
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  for (const name of signals) process.on(name, interrupted);
  try {
    await Promise.race([
      host.holds.released((holders) =>
        process.stderr.write(
          `berth: the services stay up for ${holders.join(", ")}, which uses them; ` +
            "Ctrl-C stops them now.\n",
        ),
      ),
      signal,
    ]);
  } finally {
    for (const name of signals) process.off(name, interrupted);
  }
}
