import type { ServiceInfo } from "../../control/protocol.js";
import { BerthError } from "../../errors.js";
import { appHostPathOf, type TrackedHost } from "../../monitor/tracked.js";
import { findConfig } from "../../config/find.js";
import { unknownService } from "../../config/select-services.js";
import { unresponsiveError } from "../../monitor/select.js";
import { projectHosts } from "../hosts.js";
import { serviceEnv } from "../exec-env.js";
import { findCommand } from "../find-command.js";
import { asBringUpFailure, bringUpFailed, runCommand } from "../run-command.js";
import { withLocalBins } from "../../platform/local-bins.js";

export interface ExecOptions {
  cwd: string;
  configPath?: string;
  /** Start only these services (and what they depend on). */
  only?: string[];
  /** Show the services' output (on stderr) instead of only writing it to their log files. */
  logs: boolean;
  verbose: boolean;
  command: string[];
}

/**
 * `berth exec -- <command>`: runs one command with the project's services up. Uses the
 * running app host when there is one; otherwise starts an ephemeral one with the saved
 * state (same ports, instance, secret), and stops it afterwards whatever happens. Exits
 * with the command's exit code.
 */
export async function execCommand(options: ExecOptions): Promise<number> {
  if (options.command.length === 0) {
    throw new BerthError("USAGE", "berth exec needs a command: `berth exec -- npm test`.");
  }
  // Before anything starts: a typo must not cost the services' start-up (and stop).
  // The project's own commands (vitest, playwright) run as they would in `npm run`.
  const path = withLocalBins(process.env.PATH, options.cwd);
  findCommand(options.command[0]!, { cwd: options.cwd, path });
  let live: TrackedHost | undefined;
  try {
    // Finding the file is enough to recognise a running host; loading it (TypeScript through
    // jiti) costs a few hundred milliseconds and is only needed to start one.
    const appHostPath = findConfig(options.cwd, options.configPath);
    const running = (await projectHosts(appHostPath)).filter(
      (host) => appHostPathOf(host) === appHostPath,
    );
    live = running.find((host) => host.status === "live");
    if (!live && running[0]) throw unresponsiveError(running[0]);
  } catch (error) {
    throw asBringUpFailure(error);
  }
  if (live) return execAgainst(live, options);
  // Loaded only now: the config's validation and the whole host are most of exec's code,
  // and a command run against a host that is up needs neither.
  const { execEphemeral } = await import("./exec-ephemeral.js");
  return execEphemeral(options);
}

/** The project's host already runs: wait for the services needed, then run the command. */
async function execAgainst(host: TrackedHost, options: ExecOptions): Promise<number> {
  const known = (host.services ?? []).map((s) => s.name);
  const leftOut = host.info?.leftOut ?? [];
  const missing = options.only?.length
    ? options.only.filter((name) => leftOut.includes(name))
    : leftOut;
  if (missing.length > 0) {
    // `berth run api` runs only some: the command would find the others' URLs unset.
    throw bringUpFailed(
      `the running app host (pid ${host.pid}) was started without ${missing.join(", ")}; it ` +
        `runs only ${known.join(", ")}. Use it as it is with \`berth exec --only ` +
        `${known.join(",")} -- …\`, or stop it (\`berth stop\`) so that exec starts everything.`,
    );
  }
  for (const name of options.only ?? []) {
    if (!known.includes(name)) {
      throw unknownService(name, known, "--only: ", `the running app host (pid ${host.pid})`);
    }
  }
  // Those asked for (or all the host runs: `berth run api` runs only some) must be up first.
  const wanted = options.only?.length ? options.only : known;
  let services: ServiceInfo[];
  const { connectControl } = await import("../../control/client.js");
  let client: Awaited<ReturnType<typeof connectControl>> | undefined;
  try {
    client = await connectControl(host.socketPath);
    const connected = client;
    // Held while the command runs: a host that another `berth exec` started for its own
    // command then waits for this one before it stops the services.
    await client.hold(`berth exec (pid ${process.pid})`);
    await Promise.all(
      wanted.map((name) =>
        connected.waitForService({
          service: name,
          states: ["ready", "completed"],
          timeoutMs: 120_000,
        }),
      ),
    ).catch((error: unknown) => {
      throw bringUpFailed(error instanceof Error ? error.message : String(error));
    });
    ({ services } = await client.describe());
  } catch (error) {
    await client?.close();
    throw asBringUpFailure(error);
  }
  try {
    return await runCommand(options.command, serviceEnv(services));
  } finally {
    await client.close();
  }
}
