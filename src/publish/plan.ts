import { existsSync, statSync } from "node:fs";
import { basename, isAbsolute, join, normalize, relative, resolve } from "node:path";
import type { NormalizedConfig, NormalizedReady, NormalizedService } from "../config/normalized.js";
import { DEFAULT_NODE_IMAGE } from "../config/publish.js";
import { READY_TIMEOUT_MS } from "../config/ready.js";
import { renderTemplate, templateReferences, type TemplateContext } from "../config/template.js";
import { dependencyOrder } from "../config/graph.js";
import { envName } from "../model/plan.js";
import { BerthError } from "../errors.js";
import {
  APP_ROOT,
  DATA_ROOT,
  type ContainerApp,
  type ContainerImage,
  type ContainerReady,
  type ContainerService,
} from "./app.js";
import { dnsName } from "./dns-name.js";
import { nodeInstalls } from "./node-install.js";
import { runsInNodeImage } from "./node-command.js";

/** The longest service name published: DNS labels have 63 characters, less `wait-for-`. */
const MAX_NAME = 50;

/** The port a service with `port: "auto"` listens on in its container. */
export const AUTO_CONTAINER_PORT = 8080;

export interface ContainerPlanInput {
  /** The instance secret (from `.berth/state.json`): rendered only into secret variables. */
  secret: string;
}

/**
 * Turns the validated config into the app as it runs in containers: every service that is
 * published, on its container port, reaching the others by their DNS names.
 *
 * @throws BerthError `PUBLISH_UNSUPPORTED` naming each service that cannot run in a
 *   container as written, with what to do (all of them at once).
 */
export function planContainers(config: NormalizedConfig, input: ContainerPlanInput): ContainerApp {
  const { projectDir } = config;
  const project = dnsName(config.name ?? basename(projectDir)) || "app";
  const published = config.services.filter((s) => s.container.published);
  const leftOut = config.services.filter((s) => !s.container.published).map((s) => s.name);
  const problems: string[] = [];
  const notes: string[] = [];
  const hosts = hostNames(published, problems);
  if (project.length > MAX_NAME) {
    problems.push(
      `name: published names have at most ${MAX_NAME} characters (Kubernetes labels and object names are made of it); set a shorter \`name\``,
    );
  }

  const context: TemplateContext["services"] = {};
  for (const service of config.services) {
    const host = hosts.get(service.name) ?? service.name;
    context[service.name] = { dataDir: `${DATA_ROOT}/${host}`, host };
  }
  for (const service of published) {
    const port = containerPort(service, problems);
    if (port !== undefined) context[service.name]!.port = port;
  }
  const instance = { name: config.name ?? project, secret: input.secret };
  const contextOf = (self: string): TemplateContext => ({
    self,
    projectDir: APP_ROOT,
    instance,
    services: context,
  });
  const byName = new Map(published.map((s) => [s.name, s]));
  // Everything that would stop rendering, reported together before anything is rendered.
  for (const service of published) {
    problems.push(...referenceProblems(service, byName), ...runsProblems(service, projectDir));
  }
  if (problems.length > 0) throw unsupported(config, problems);

  for (const service of published) {
    const own = context[service.name]!;
    if (own.port === undefined) continue;
    const url =
      service.url === undefined
        ? `http://localhost:${own.port}`
        : renderTemplate(service.url, contextOf(service.name), `services.${service.name}.url`);
    own.url = onHost(url, hosts.get(service.name)!);
  }

  const shared: Record<string, string> = {};
  for (const service of published) {
    const own = context[service.name]!;
    if (own.url === undefined) continue;
    shared[`BERTH_${envName(service.name)}_PORT`] = String(own.port);
    shared[`BERTH_${envName(service.name)}_URL`] = own.url;
  }

  const registry = config.publish?.registry;
  const imageName = (suffix: string) =>
    `${registry === undefined ? "" : `${registry}/`}${project}-${suffix}`;
  const order = dependencyOrder(published).filter((name) => byName.has(name));
  const services: ContainerService[] = [];
  for (const name of order) {
    const service = byName.get(name)!;
    const where = `services.${name}`;
    const render = (text: string, field: string) =>
      renderTemplate(text, contextOf(name), `${where}.${field}`);
    const problem = (text: string) => problems.push(`${where}: ${text}`);

    const runs = containerImage(service, render, problem);
    const env: Record<string, string> = { ...shared, BERTH_INSTANCE: instance.name };
    env.BERTH_SERVICE = name;
    const own = context[name]!;
    if (own.port !== undefined) env.PORT = String(own.port);
    // A server that binds loopback, as one should on a laptop, is unreachable in a container:
    // those that read HOST (the quickstart's, Nuxt, Astro, many others) bind every interface.
    if (own.port !== undefined && runs.kind === "node") env.HOST = "0.0.0.0";
    const mounts = dataFolders(service, name);
    if (mounts.includes(name)) env.BERTH_DATA_DIR = own.dataDir;
    const secretEnv: Record<string, string> = {};
    const label = (key: string) =>
      service.fromEnvFiles.includes(key)
        ? `${name}'s ${key} (from an env file)`
        : `${where}.env.${key}`;
    for (const [key, value] of Object.entries(service.env)) {
      const secret =
        service.fromEnvFiles.includes(key) || templateReferences(value).includes("instance.secret");
      (secret ? secretEnv : env)[key] = render(value, `env.${key}`);
      if (/\b(localhost|127\.0\.0\.1)\b/.test(value) && namesOtherPort(value, name)) {
        notes.push(
          `${label(key)} names localhost with another service's port: in a container, localhost is the container itself. Write {{services.<name>.host}} instead: localhost here, the service's name there.`,
        );
      }
    }
    for (const dep of service.dependsOn) {
      if (!byName.has(dep.name)) {
        notes.push(
          `${name} waits for ${dep.name} on this machine; ${dep.name} is not published, so it does not wait there.`,
        );
      }
    }
    // As `berth run` has it: a service with a port and no check is ready once it accepts.
    const ready = service.ready
      ? containerReady(service.ready, own.port, render)
      : own.port !== undefined && !service.oneshot
        ? ({ kind: "tcp", port: own.port, timeoutMs: READY_TIMEOUT_MS, implied: true } as const)
        : undefined;
    if (service.watch) {
      notes.push(`${name} restarts on file changes here (\`watch\`); a published image does not.`);
    }
    if (service.ready?.kind === "log") {
      notes.push(
        `${name}'s ready check watches its log, which neither engine can do: it has no health check there, and what waits for it waits only for it to start.`,
      );
    }
    services.push({
      name,
      host: hosts.get(name)!,
      oneshot: service.oneshot,
      image:
        service.container.image ??
        (service.container.build ? imageName(hosts.get(name)!) : imageName("node")),
      runs,
      ...(own.port === undefined ? {} : { port: own.port }),
      ...(service.port?.mode === "preferred" || service.port?.mode === "strict"
        ? { hostPort: service.port.port }
        : {}),
      env: sorted(env),
      secretEnv: sorted(secretEnv),
      mounts,
      ...(ready ? { ready } : {}),
      dependsOn: service.dependsOn.filter((dep) => byName.has(dep.name)),
      restart: service.restart,
      stop: service.stop,
    });
  }
  const nodeDirs = services.flatMap((s) =>
    s.runs.kind === "node" ? [join(projectDir, relative(APP_ROOT, s.runs.workingDir))] : [],
  );
  let node: ContainerApp["node"];
  if (nodeDirs.length > 0 && problems.length === 0) {
    node = {
      image: imageName("node"),
      from: config.publish?.nodeImage ?? DEFAULT_NODE_IMAGE,
      installs: nodeInstalls(nodeDirs, projectDir, problems),
      envFiles: envFilesInProject(config),
    };
  }
  if (problems.length > 0) throw unsupported(config, problems);
  return {
    configFile: config.file,
    projectDir,
    project,
    ...(registry === undefined ? {} : { registry }),
    services,
    ...(node ? { node } : {}),
    leftOut,
    notes,
  };
}

/** The problems, each service's together in the config's order. */
function unsupported(config: NormalizedConfig, problems: string[]): BerthError {
  const rank = (line: string) =>
    config.services.findIndex((s) => line.startsWith(`services.${s.name}:`));
  const file = config.file;
  // One cause met by several services (a lock file missing) is said once.
  problems = [...new Set(problems)].sort((a, b) => rank(a) - rank(b));
  return new BerthError(
    "PUBLISH_UNSUPPORTED",
    `Cannot publish ${file}: ${problems.length === 1 ? "1 problem needs" : `${problems.length} problems need`} a change in the config first.`,
    { details: problems },
  );
}

/** Templates that name what is not published, or would write the secret into a command. */
function referenceProblems(
  service: NormalizedService,
  published: ReadonlyMap<string, unknown>,
): string[] {
  const problems: string[] = [];
  const where = `services.${service.name}`;
  for (const { field, text } of templatedFields(service)) {
    for (const ref of templateReferences(text)) {
      const target = /^services\.([^.]+)\./.exec(ref)?.[1];
      if (target !== undefined && !published.has(target)) {
        problems.push(
          `${where}: ${field} names {{${ref}}}, but ${target} has \`publish: false\`; publish ${target} too, or leave ${service.name} out`,
        );
      }
      if (ref === "instance.secret" && !field.startsWith("env.")) {
        problems.push(
          `${where}: ${field} holds {{instance.secret}}, which would be written into the files to commit; only \`env\` values are kept out of them, so pass the secret to the service in \`env\``,
        );
      }
    }
  }
  return problems;
}

/**
 * A service that has nothing to run in a container: a downloaded binary, or a command the
 * Node image lacks, with no `image` or `build` of its own.
 */
function runsProblems(service: NormalizedService, projectDir: string): string[] {
  const where = `services.${service.name}`;
  const { image, build } = service.container;
  if (build !== undefined) {
    const context = resolve(projectDir, build.context);
    if (!isDirectory(context)) {
      return [
        `${where}: build.context ${build.context} is not a folder (${context}); fix the path`,
      ];
    }
    const dockerfile = resolve(context, build.dockerfile);
    if (!existsSync(dockerfile)) {
      return [`${where}: build's Dockerfile ${dockerfile} does not exist; fix the path`];
    }
    return [];
  }
  if (image !== undefined) return [];
  if (service.binary) {
    return [
      `${where}: runs the binary ${service.binary.name}, which berth downloads for this machine only; give it an \`image\` (or a \`build\`), or \`publish: false\``,
    ];
  }
  // A cwd with templates is checked once rendered; its programs are looked up from the project.
  const cwd = service.cwd === undefined || service.cwd.includes("{{") ? "." : service.cwd;
  const program = runsInNodeImage(service.command!, resolve(projectDir, cwd), projectDir);
  if (program === undefined) return [];
  const which = program.startsWith("/")
    ? `${program}, a program of this machine`
    : `${program}, which is not Node's, a package's of the project's (in its lock file or package.json) or a file of the project's`;
  return [
    `${where}: runs ${which}, so the Node image does not have it; give the service an \`image\` that has it (or a \`build\`), or \`publish: false\``,
  ];
}

/** Every published service's DNS name; two that map to one name are a problem. */
function hostNames(
  services: readonly NormalizedService[],
  problems: string[],
): Map<string, string> {
  const hosts = new Map<string, string>();
  const owner = new Map<string, string>();
  for (const { name } of services) {
    const host = dnsName(name);
    const other = owner.get(host);
    if (other !== undefined) {
      problems.push(
        `services.${name}: its DNS name would be "${host}", the same as ${other}'s; rename one of them`,
      );
    } else if (host.length > MAX_NAME) {
      problems.push(
        `services.${name}: published names have at most ${MAX_NAME} characters (Kubernetes names its objects after them, with suffixes); use a shorter name`,
      );
    }
    owner.set(host, name);
    hosts.set(name, host);
  }
  return hosts;
}

/**
 * The port inside the container: the config's number, or a fixed one for `"auto"`
 * (each container has its own network, so ports never clash). An image listens where it
 * listens: berth cannot choose for it.
 */
function containerPort(service: NormalizedService, problems: string[]): number | undefined {
  const request = service.port;
  if (request === null) return undefined;
  if (request.mode !== "auto") return request.port;
  if (service.container.image !== undefined) {
    problems.push(
      `services.${service.name}: runs image ${service.container.image}, so its port must be the one that image listens on; set \`port\` to that number`,
    );
    return undefined;
  }
  return AUTO_CONTAINER_PORT;
}

/** A URL on this machine (`localhost`, `127.0.0.1`, `[::1]`) made a URL on `host`. */
function onHost(url: string, host: string): string {
  return url.replace(
    /^([A-Za-z][A-Za-z0-9+.-]*:\/\/(?:[^@/?#]*@)?)(localhost|127\.0\.0\.1|\[::1\]|0\.0\.0\.0)(?=[:/?#]|$)/,
    `$1${host}`,
  );
}

function containerImage(
  service: NormalizedService,
  render: (text: string, field: string) => string,
  problem: (text: string) => void,
): ContainerImage {
  const { image, build } = service.container;
  if (image !== undefined) return { kind: "image" };
  if (build !== undefined) {
    return {
      kind: "build",
      context: normalize(build.context),
      dockerfile: build.dockerfile,
    };
  }
  const command =
    typeof service.command === "string"
      ? ["/bin/sh", "-c", render(service.command, "command")]
      : service.command!.map((arg, i) => render(arg, `command[${i}]`));
  const cwd = service.cwd === undefined ? "." : render(service.cwd, "cwd");
  const inProject = relative(APP_ROOT, isAbsolute(cwd) ? cwd : join(APP_ROOT, cwd));
  if (inProject.startsWith("..") || isAbsolute(inProject)) {
    problem(
      `its cwd ${cwd} is outside the project folder, which is all the image holds; give it an \`image\` or a \`build\``,
    );
  }
  return { kind: "node", command, workingDir: join(APP_ROOT, inProject) };
}

function containerReady(
  ready: NormalizedReady,
  port: number | undefined,
  render: (text: string, field: string) => string,
): ContainerReady | undefined {
  const { timeoutMs } = ready;
  switch (ready.kind) {
    case "http": {
      let path = render(ready.path ?? "/", "ready.http.path");
      let probePort = port;
      if (ready.url !== undefined) {
        const url = new URL(render(ready.url, "ready.http.url"));
        path = `${url.pathname}${url.search}`;
        probePort = Number(url.port) || (url.protocol === "https:" ? 443 : 80);
      }
      if (probePort === undefined) return undefined;
      const body = ready.body === undefined ? undefined : render(ready.body, "ready.http.body");
      return {
        kind: "http",
        timeoutMs,
        port: probePort,
        path: path.startsWith("/") ? path : `/${path}`,
        ...(ready.status === undefined ? {} : { status: ready.status }),
        ...(body === undefined ? {} : { body }),
      };
    }
    case "tcp": {
      const tcpPort = ready.port ?? port;
      return tcpPort === undefined ? undefined : { kind: "tcp", timeoutMs, port: tcpPort };
    }
    case "command":
      return {
        kind: "command",
        timeoutMs,
        command:
          typeof ready.command === "string"
            ? ["/bin/sh", "-c", render(ready.command, "ready.command")]
            : ready.command.map((arg, i) => render(arg, `ready.command[${i}]`)),
      };
    case "log":
      return undefined;
  }
}

/** Every value of a service that may hold templates, by the field it is in. */
function templatedFields(service: NormalizedService): { field: string; text: string }[] {
  const fields: { field: string; text: string }[] = [];
  const command = service.command ?? service.args;
  for (const [i, text] of (typeof command === "string" ? [command] : command).entries()) {
    fields.push({ field: typeof command === "string" ? "command" : `command[${i}]`, text });
  }
  if (service.cwd !== undefined) fields.push({ field: "cwd", text: service.cwd });
  if (service.url !== undefined) fields.push({ field: "url", text: service.url });
  for (const [key, text] of Object.entries(service.env)) fields.push({ field: `env.${key}`, text });
  const ready = service.ready;
  if (ready?.kind === "http") {
    for (const key of ["path", "url", "body"] as const) {
      const text = ready[key];
      if (text !== undefined) fields.push({ field: `ready.http.${key}`, text });
    }
  }
  if (ready?.kind === "command") {
    const list = typeof ready.command === "string" ? [ready.command] : ready.command;
    for (const text of list) fields.push({ field: "ready.command", text });
  }
  return fields;
}

/** The data folders a service's templates name (its own `{{dataDir}}`, another's), sorted. */
function dataFolders(service: NormalizedService, self: string): string[] {
  const names = new Set<string>();
  for (const { text } of templatedFields(service)) {
    for (const ref of templateReferences(text)) {
      if (ref === "dataDir") names.add(self);
      const match = /^services\.([^.]+)\.dataDir$/.exec(ref);
      if (match) names.add(match[1]!);
    }
  }
  return [...names].sort();
}

/** Whether a template names the port or URL of another service than `self`. */
function namesOtherPort(text: string, self: string): boolean {
  return templateReferences(text).some((ref) => {
    const match = /^services\.([^.]+)\.(port|url)$/.exec(ref);
    return match !== null && match[1] !== self;
  });
}

/** The env files the config names, relative to the project: the Node image leaves them out. */
function envFilesInProject(config: NormalizedConfig): string[] {
  const files = config.envFileNames.map((file) =>
    relative(config.projectDir, resolve(config.projectDir, file)),
  );
  return [...new Set(files)].filter((f) => !f.startsWith("..") && !isAbsolute(f)).sort();
}

function sorted(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
}

function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}
