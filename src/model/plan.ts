import { isAbsolute, join, resolve } from "node:path";
import type { NormalizedConfig, NormalizedReady, NormalizedService } from "../config/normalized.js";
import { READY_TIMEOUT_MS } from "../config/ready.js";
import type { AppModel, CommandSpec, InstanceIdentity, ReadyCheck, ServiceModel } from "./app.js";
import { withLocalBins } from "../platform/local-bins.js";
import { dependencyOrder } from "../config/graph.js";
import { renderTemplate, type TemplateContext } from "../config/template.js";

export interface PlanInput {
  instance: InstanceIdentity;
  /** The port chosen for each service that has one. */
  ports: Map<string, number>;
  /** `<project>/.berth`. */
  stateDir: string;
  /** Unique per host run; every service carries it so a crashed host's processes can be found. */
  runId: string;
  /** berth's own `PATH`, which services inherit (default `process.env.PATH`). */
  path?: string;
  /** The executable of each binary service (`ensureBinary(...).executable`), by service name. */
  executables?: ReadonlyMap<string, string>;
}

/** Environment-variable form of a service name: `my-api` → `MY_API`. */
export function envName(service: string): string {
  return service.toUpperCase().replace(/-/g, "_");
}

/**
 * Turns the validated config into the app the supervisor runs: renders every template,
 * gives every service the ports and URLs of all the others, makes every path absolute.
 */
export function planApp(config: NormalizedConfig, input: PlanInput): AppModel {
  const { projectDir } = config;
  const dataDir = (name: string) => join(input.stateDir, "data", name);
  const services: TemplateContext["services"] = {};
  const shared: Record<string, string> = {
    BERTH_INSTANCE: input.instance.name,
    BERTH_PROJECT: projectDir,
    BERTH_RUN_ID: input.runId,
  };
  const context = (self: string): TemplateContext => ({
    self,
    projectDir,
    instance: input.instance,
    services,
  });
  for (const service of config.services) {
    services[service.name] = {
      port: input.ports.get(service.name),
      dataDir: dataDir(service.name),
    };
  }
  // Once every port is known: a URL template may name another service's port (not its URL).
  for (const service of config.services) {
    const own = services[service.name]!;
    if (own.port === undefined) continue;
    own.url =
      service.url === undefined
        ? `http://localhost:${own.port}`
        : renderTemplate(service.url, context(service.name), `services.${service.name}.url`);
    shared[`BERTH_${envName(service.name)}_PORT`] = String(own.port);
    shared[`BERTH_${envName(service.name)}_URL`] = own.url;
  }

  const byName = new Map(config.services.map((s) => [s.name, s]));
  const ordered = dependencyOrder(config.services).map((name) => byName.get(name)!);
  return {
    appHostPath: config.file,
    projectDir,
    stateDir: input.stateDir,
    instance: input.instance,
    services: ordered.map((service) => planService(service, context(service.name), shared, input)),
    leftOut: config.leftOut ?? [],
  };
}

function planService(
  service: NormalizedService,
  context: TemplateContext,
  shared: Record<string, string>,
  input: PlanInput,
): ServiceModel {
  const where = `services.${service.name}`;
  const render = (text: string, field: string) =>
    renderTemplate(text, context, `${where}.${field}`);
  const own = context.services[service.name]!;
  const env: Record<string, string> = { ...shared, BERTH_SERVICE: service.name };
  env.BERTH_DATA_DIR = own.dataDir;
  if (own.port !== undefined) env.PORT = String(own.port);
  for (const [key, value] of Object.entries(service.env)) env[key] = render(value, `env.${key}`);

  const rendered = service.cwd === undefined ? context.projectDir : render(service.cwd, "cwd");
  const cwd = isAbsolute(rendered) ? rendered : resolve(context.projectDir, rendered);
  const inherited = env.PATH ?? input.path ?? process.env.PATH;
  const path = withLocalBins(inherited, cwd);
  if (path !== undefined && path !== inherited) env.PATH = path;
  return {
    name: service.name,
    oneshot: service.oneshot,
    command: service.binary
      ? binaryCommand(
          service.name,
          service.binary.name,
          input.executables?.get(service.name),
          service.args.map((arg, i) => render(arg, `args[${i}]`)),
        )
      : commandSpec(service.command, (text, i) =>
          render(text, i === undefined ? "command" : `command[${i}]`),
        ),
    cwd,
    env,
    port: own.port,
    url: own.url,
    dataDir: own.dataDir,
    logFile: join(input.stateDir, "logs", `${service.name}.log`),
    ready: service.ready
      ? readyCheck(service.ready, own.port, (text, field) => render(text, `ready.${field}`))
      : impliedReady(service, own.port),
    dependsOn: service.dependsOn,
    restart: service.restart,
    stop: service.stop,
    ...(service.watch ? { watch: { root: cwd, ...service.watch } } : {}),
  };
}

/**
 * Without a `ready` check, a service with a port is ready once the port accepts
 * connections: spawned is not listening yet, and its dependents would meet a refused
 * connection. One without a port (a worker) is ready once started; a oneshot completes.
 */
function impliedReady(
  service: NormalizedService,
  port: number | undefined,
): ReadyCheck | undefined {
  if (port === undefined || service.oneshot) return undefined;
  return { kind: "tcp", port, timeoutMs: READY_TIMEOUT_MS, implied: true };
}

function commandSpec(
  command: string | string[],
  render: (text: string, index?: number) => string,
): CommandSpec {
  if (typeof command === "string") {
    const text = render(command);
    return { file: "/bin/sh", args: ["-c", text], display: text };
  }
  const argv = command.map((arg, i) => render(arg, i));
  return { file: argv[0]!, args: argv.slice(1), display: argv.join(" ") };
}

/** A binary service runs its cached executable directly with its rendered `args`. */
function binaryCommand(
  service: string,
  binary: string,
  executable: string | undefined,
  args: string[],
): CommandSpec {
  if (executable === undefined) {
    throw new Error(
      `service ${service} runs binary ${binary}, but no executable was given: call ensureBinary first`,
    );
  }
  return { file: executable, args, display: [binary, ...args].join(" ") };
}

function readyCheck(
  ready: NormalizedReady,
  port: number | undefined,
  render: (text: string, field: string) => string,
): ReadyCheck {
  const { timeoutMs } = ready;
  switch (ready.kind) {
    case "http": {
      const url = ready.url
        ? render(ready.url, "http.url")
        : `http://127.0.0.1:${port}${withSlash(render(ready.path ?? "/", "http.path"))}`;
      const body = ready.body === undefined ? undefined : render(ready.body, "http.body");
      return { kind: "http", timeoutMs, url, status: ready.status, body };
    }
    case "tcp":
      return { kind: "tcp", timeoutMs, port: ready.port ?? port! };
    case "log":
      return { kind: "log", timeoutMs, pattern: ready.pattern };
    case "command":
      return {
        kind: "command",
        timeoutMs,
        command: commandSpec(ready.command, (text, i) =>
          render(text, i === undefined ? "command" : `command[${i}]`),
        ),
      };
  }
}

function withSlash(path: string): string {
  return path.startsWith("/") ? path : `/${path}`;
}
