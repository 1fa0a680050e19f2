import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml, stringify } from "yaml";
import { runTool, type Output, type Podman } from "./podman.js";

/**
 * Runs a `compose.yaml` that `berth publish` wrote with docker-compose against podman's
 * Docker-compatible socket, changing only what docs/publish-engines.md lists:
 * - each published port `"N:N"` is published on a free host port (`"127.0.0.1::N"`), as the
 *   machine's port N may be anyone's; the container side is unchanged;
 * - the project's default network is made beforehand, with a bridge name and subnet that
 *   cannot clash with the machine's networks (podman 4.3 cannot be told either).
 * The changed file is written next to the original (`compose.podman.yaml`), so every path in
 * it (build context, env files) means what it did.
 */
export interface ComposeProject {
  /** The project name (`-p`), unique per run. */
  name: string;
  /** The default network, where the services' names resolve. */
  network: string;
  /** `docker-compose -p <name> -f compose.podman.yaml <args>` against the podman socket. */
  compose(
    args: string[],
    options?: { timeoutMs?: number; allowFailure?: boolean },
  ): Promise<Output>;
  /** The podman container of a service (its first replica). */
  containerOf(service: string): string;
}

export function composeOnPodman(
  podman: Podman,
  dir: string,
  dockerHost: string,
  name: string,
): ComposeProject {
  const file = readFileSync(join(dir, "compose.yaml"), "utf8");
  const config = parseYaml(file, { version: "1.1" }) as {
    services: Record<string, { ports?: string[] }>;
  };
  for (const service of Object.values(config.services)) {
    // Any free host port: the config's own (4310) may be anyone's on this machine, such as
    // another test's `berth run` of the quickstart.
    service.ports = service.ports?.map((port) => `127.0.0.1::${String(port).split(":").at(-1)}`);
  }
  writeFileSync(join(dir, "compose.podman.yaml"), stringify(config, { version: "1.1" }));
  const network = podman.createNetwork(`${name}_default`, {
    "com.docker.compose.network": "default",
    "com.docker.compose.project": name,
  });
  const env = { ...podman.env, DOCKER_HOST: dockerHost, COMPOSE_INTERACTIVE_NO_CLI: "1" };
  return {
    name,
    network,
    compose: (args, options = {}) =>
      runTool("docker-compose", ["-p", name, "-f", "compose.podman.yaml", ...args], env, {
        cwd: dir,
        ...options,
      }),
    containerOf: (service) => `${name}_${service}_1`,
  };
}
