import type { NormalizedReady, NormalizedService } from "../config/index.js";
import type { ServiceInfo } from "../control/protocol.js";
import { maskSecret } from "../model/mask-secret.js";

/**
 * The resolved app as `describe_app` shows it: how each service is started, on which port
 * and URL, after what, and how it is judged ready. Environment variables by name only; the
 * instance secret masked wherever the config's text might hold it.
 */
export function describeService(
  service: NormalizedService,
  live: ServiceInfo | undefined,
  savedPort: number | undefined,
  secret: string | undefined,
) {
  const mask = (text: string) => (secret ? maskSecret(text, secret) : text);
  const command = service.command === undefined ? undefined : commandText(service.command);
  return {
    name: service.name,
    oneshot: service.oneshot,
    ...(command !== undefined ? { command: mask(command) } : {}),
    ...(service.binary
      ? {
          binary: { name: service.binary.name, version: service.binary.version },
          args: service.args.map(mask),
        }
      : {}),
    cwd: service.cwd ?? ".",
    port: service.port === null ? null : service.port,
    assignedPort: live?.port ?? savedPort ?? null,
    url:
      live?.url ??
      (service.url ? mask(service.url) : service.port ? "http://localhost:{{port}}" : null),
    ready: service.ready
      ? readyText(service.ready, mask)
      : service.port
        ? "its port accepts TCP connections"
        : "once started",
    dependsOn: service.dependsOn.map((d) => ({ name: d.name, condition: d.condition })),
    restart: service.restart.policy,
    watch: service.watch?.paths ?? [],
    envNames: Object.keys(service.env).sort(),
    state: live?.state ?? null,
  };
}

function commandText(command: string | string[]): string {
  return typeof command === "string"
    ? command
    : command.map((arg) => (/\s/.test(arg) ? JSON.stringify(arg) : arg)).join(" ");
}

function readyText(ready: NormalizedReady, mask: (text: string) => string): string {
  const within = `within ${ready.timeoutMs} ms`;
  switch (ready.kind) {
    case "http": {
      const target = ready.url ? mask(ready.url) : `its URL${ready.path ? ` + ${ready.path}` : ""}`;
      const status = ready.status ? ` answers status ${ready.status}` : " answers 2xx or 3xx";
      const body = ready.body ? ` with body ${JSON.stringify(mask(ready.body))}` : "";
      return `HTTP GET ${target}${status}${body}, ${within}`;
    }
    case "tcp":
      return `TCP port ${ready.port ?? "(its own)"} accepts connections, ${within}`;
    case "log":
      return `a log line matches /${mask(ready.pattern.source)}/, ${within}`;
    case "command":
      return `the command ${JSON.stringify(mask(commandText(ready.command)))} exits 0, ${within}`;
  }
}
