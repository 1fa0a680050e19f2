/**
 * The app as a Compose file (`compose.yaml`), with the Node image's Dockerfile, one env file
 * per service holding its secret values, and a `.gitignore` that keeps those out of git.
 * Written for the Compose Specification as docker-compose 1.29 and `docker compose` read it.
 */
import { join, relative } from "node:path";
import { BerthError } from "../errors.js";
import { DATA_ROOT, hostOf, type ContainerApp, type ContainerService } from "./app.js";
import { nodeDockerfile } from "./dockerfile.js";
import { duration } from "./duration.js";
import { healthScript, hasNodeProbe } from "./probes.js";
import { gitignoreFor, type OutputFile } from "./write-files.js";
import { yamlText } from "./yaml-text.js";

/** How often a health check runs while the service is up. */
const HEALTH_INTERVAL = "2s";

/** Every file of the Compose output, for the folder `outDir`. */
export function composeFiles(app: ContainerApp, outDir: string): OutputFile[] {
  const notes = app.notes;
  const services: Record<string, unknown> = {};
  const volumes = new Set<string>();
  const files: OutputFile[] = [];
  for (const service of app.services) {
    services[service.host] = composeService(service, app, outDir, notes);
    for (const owner of service.mounts) volumes.add(volumeName(app, owner));
    if (Object.keys(service.secretEnv).length > 0) {
      files.push({ path: envFileName(service), body: envFile(service), secret: true });
    }
  }
  const compose: Record<string, unknown> = { services };
  if (volumes.size > 0) {
    compose.volumes = Object.fromEntries([...volumes].sort().map((name) => [name, {}]));
  }
  files.unshift({ path: "compose.yaml", body: yamlText(compose) });
  if (app.node) files.push({ path: "Dockerfile", body: nodeDockerfile(app.node, app) });
  files.push(gitignoreFor(files));
  return files;
}

function composeService(
  service: ContainerService,
  app: ContainerApp,
  outDir: string,
  notes: string[],
): Record<string, unknown> {
  const entry: Record<string, unknown> = { image: service.image };
  const context = (dir: string) => relative(outDir, join(app.projectDir, dir)) || ".";
  if (service.runs.kind === "node") {
    entry.build = {
      context: context("."),
      dockerfile: relative(app.projectDir, join(outDir, "Dockerfile")),
    };
    entry.command = service.runs.command.map(escape);
    entry.working_dir = service.runs.workingDir;
  } else if (service.runs.kind === "build") {
    entry.build = { context: context(service.runs.context), dockerfile: service.runs.dockerfile };
  }
  entry.environment = Object.fromEntries(
    Object.entries(service.env).map(([key, value]) => [key, escape(value)]),
  );
  if (Object.keys(service.secretEnv).length > 0) entry.env_file = [envFileName(service)];
  if (service.port !== undefined && !service.oneshot) {
    // On this machine only, as `berth run` has it: a database published on every interface
    // of a team server would be open to its whole network.
    entry.ports = [`127.0.0.1:${service.hostPort ?? ""}:${service.port}`];
  }
  if (service.mounts.length > 0) {
    entry.volumes = service.mounts.map(
      (owner) => `${volumeName(app, owner)}:${DATA_ROOT}/${hostOf(app, owner)}`,
    );
  }
  const health = healthcheck(service, notes);
  if (health) entry.healthcheck = health;
  if (service.dependsOn.length > 0) {
    entry.depends_on = Object.fromEntries(
      service.dependsOn.map((dep) => {
        const target = app.services.find((s) => s.name === dep.name)!;
        return [target.host, { condition: condition(dep.condition, target, notes) }];
      }),
    );
  }
  entry.restart = service.restart.policy;
  if (service.stop.signal !== "SIGTERM") entry.stop_signal = service.stop.signal;
  entry.stop_grace_period = duration(service.stop.graceMs);
  return entry;
}

/**
 * The ready check as a health check run inside the container: a command as itself, HTTP
 * and TCP as a Node probe (only the Node image is sure to have Node). Failures within the
 * check's timeout do not count (`start_period`), as berth waits that long.
 */
function healthcheck(
  service: ContainerService,
  notes: string[],
): Record<string, unknown> | undefined {
  const ready = service.ready;
  if (!ready || service.oneshot) return undefined;
  let test: string[];
  if (ready.kind === "command") {
    const [file, flag, line] = ready.command;
    test =
      file === "/bin/sh" && flag === "-c" && line !== undefined && ready.command.length === 3
        ? ["CMD-SHELL", escape(line)]
        : ["CMD", ...ready.command.map(escape)];
  } else if (hasNodeProbe(ready) && service.runs.kind === "node") {
    test = ["CMD", "node", "-e", escape(healthScript(ready))];
  } else {
    notes.push(
      `${service.name}'s ${ready.kind === "tcp" && ready.implied ? "readiness (its port accepting connections, having no `ready`)" : `${ready.kind} check`} has no health check in Compose: its image may have no client for it. Give it a \`ready.command\` its image can run to have one.`,
    );
    return undefined;
  }
  return {
    test,
    interval: HEALTH_INTERVAL,
    timeout: "5s",
    retries: 3,
    start_period: duration(ready.timeoutMs),
  };
}

function condition(
  wanted: "started" | "ready" | "completed",
  target: ContainerService,
  notes: string[],
): string {
  if (wanted === "completed") return "service_completed_successfully";
  if (wanted === "started") return "service_started";
  const healthy = target.ready && (target.ready.kind === "command" || target.runs.kind === "node");
  if (healthy) return "service_healthy";
  if (target.ready) {
    notes.push(`What waits for ${target.name} in Compose waits only for it to start.`);
  }
  return "service_started";
}

function envFileName(service: ContainerService): string {
  return `${service.host}.env`;
}

/**
 * Compose's env file, written so docker-compose 1.29 (python-dotenv) and `docker compose`
 * (compose-go) read the same value: single-quoted (raw in both) when it holds no `'` or
 * `\`, else double-quoted with `\` and `"` escaped, which both unescape but compose-go
 * also expands `$` in. A value that needs both, or holds a line break, cannot be written.
 */
function envFile(service: ContainerService): string {
  const lines = Object.entries(service.secretEnv).map(([key, value]) => {
    const refuse = (why: string) =>
      new BerthError(
        "PUBLISH_UNSUPPORTED",
        `services.${service.name}: ${key} holds ${why}, which a Compose env file cannot hold the same way for every Compose; put it in a file the service reads instead.`,
      );
    if (/[\r\n]/.test(value)) throw refuse("a line break");
    if (!/['\\]/.test(value)) return `${key}='${value}'`;
    if (value.includes("$")) throw refuse("a $ together with a quote or backslash");
    return `${key}="${value.replace(/[\\"]/g, "\\$&")}"`;
  });
  return `${lines.join("\n")}\n`;
}

function volumeName(app: ContainerApp, owner: string): string {
  return `${hostOf(app, owner)}-data`;
}

/** Compose expands `$VAR` in the file's values: a `$` of the value's own is `$$`. */
function escape(value: string): string {
  return value.replace(/\$/g, "$$$$");
}
