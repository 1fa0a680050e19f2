import { z } from "zod";
import type { ServiceInfo } from "../../control/protocol.js";
import { plural } from "../../plural.js";
import { dependenciesOf } from "../app-model.js";
import { hostCallError } from "../errors.js";
import { requireService, type Host, type HostView } from "../hosts.js";
import { serviceLine, serviceView } from "../present.js";
import { keepAlive, type Extra } from "../progress.js";
import { answer, type ToolAnswer } from "../results.js";
import { waitForServices, within } from "../wait.js";
import { hostArgs, targetOf, type ToolContext } from "./shared.js";

/** Lines of a failed service's output shown with the failure. */
const FAILURE_LINES = 20;
/** Bound on the quick question that tells a hung host before a long call is made. */
const PROBE_MS = 2_000;
const DEFAULT_WAIT_S = 60;

type Action = "start" | "stop" | "restart";

/** `list_services`, `start_service`, `stop_service`, `restart_service`, `wait_for_ready`. */
export function registerServiceTools({ server, view }: ToolContext): void {
  server.registerTool(
    "list_services",
    {
      title: "List services",
      description:
        "The services of the selected app host: state (pending, starting, ready, completed, restarting, stopping, stopped, failed), " +
        "pid, port, URL, readiness, restarts, last exit code and reason, start time and what each depends on. " +
        "Never environment values or secrets.",
      inputSchema: { ...hostArgs },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args) =>
      answer(async () => {
        const host = await view.live(targetOf(args));
        const path = host.info!.appHostPath;
        const deps = await dependenciesOf(path);
        const services = host.services ?? [];
        const ready = services.filter((s) => s.ready).length;
        return {
          text: [
            `${path} (pid ${host.pid}): ${ready}/${plural(services.length, "service")} ready`,
            ...services.map((s) => `  ${serviceLine(s, deps.get(s.name))}`),
          ].join("\n"),
          data: {
            appHostPath: path,
            pid: host.pid,
            services: services.map((s) => serviceView(s, deps.get(s.name) ?? [])),
          },
        };
      }),
  );

  const verbs: Record<Action, string> = {
    start:
      "Starts one stopped or failed service of the selected app host and waits until it is ready (or failed).",
    stop: "Stops one service of the selected app host (its whole process group) and waits until it has stopped.",
    restart:
      "Restarts one service of the selected app host and waits until it is ready again (or failed).",
  };
  for (const action of ["start", "stop", "restart"] as const) {
    server.registerTool(
      `${action}_service`,
      {
        title: `${action[0]!.toUpperCase()}${action.slice(1)} a service`,
        description: `${verbs[action]} Returns its new state, and its last log lines when it failed.`,
        inputSchema: {
          service: z.string().min(1).describe("The service's name, from list_services."),
          ...hostArgs,
        },
        annotations: {
          readOnlyHint: false,
          destructiveHint: action !== "start",
          openWorldHint: false,
        },
      },
      (args, extra) => answer(() => serviceAction(view, action, args, extra)),
    );
  }

  server.registerTool(
    "wait_for_ready",
    {
      title: "Wait until ready",
      description:
        "Waits until a service (or every service) of the selected app host is ready, or has failed or stopped, " +
        "with a timeout. Returns the states, and the last log lines of any that failed.",
      inputSchema: {
        service: z.string().optional().describe("One service (default: every service)."),
        timeoutSeconds: z
          .number()
          .positive()
          .max(600)
          .optional()
          .describe(`How long to wait (default ${DEFAULT_WAIT_S}).`),
        ...hostArgs,
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args, extra) =>
      answer(async () => {
        const host = await view.live(targetOf(args));
        const names = args.service === undefined ? undefined : [args.service];
        if (args.service !== undefined) requireService(host, args.service);
        const timeoutMs = (args.timeoutSeconds ?? DEFAULT_WAIT_S) * 1000;
        const stop = keepAlive(extra, view.clock, "waiting for readiness");
        try {
          const { services, timedOut } = await waitForServices(
            view,
            host,
            names,
            timeoutMs,
            extra.signal,
          );
          return await settledAnswer(host, services, timedOut, timeoutMs);
        } finally {
          stop();
        }
      }),
  );
}

async function serviceAction(
  view: HostView,
  action: Action,
  args: { service: string; apphost?: string; pid?: number },
  extra: Extra,
): Promise<ToolAnswer> {
  const host = await view.live(targetOf(args));
  requireService(host, args.service);
  const { client } = host;
  let service: ServiceInfo;
  const stop = keepAlive(
    extra,
    view.clock,
    `${action === "stop" ? "stopping" : "starting"} ${args.service}`,
  );
  try {
    // A hung host answers nothing: find out in two seconds, not after the action's bound.
    await client.describe({ timeoutMs: PROBE_MS });
    service =
      action === "start"
        ? await client.startService(args.service)
        : action === "stop"
          ? await client.stopService(args.service)
          : await client.restartService(args.service);
  } catch (error) {
    throw hostCallError(host, error);
  } finally {
    stop();
  }
  if (service.state === "failed") return failedAnswer(host, [service]);
  const where = service.url ? ` at ${service.url}` : "";
  return {
    text: `${service.name} is ${service.state}${where}.`,
    data: { service: serviceView(service) },
  };
}

async function settledAnswer(
  host: Host,
  services: ServiceInfo[],
  timedOut: boolean,
  timeoutMs: number,
): Promise<ToolAnswer> {
  const failed = services.filter((s) => s.state === "failed");
  if (failed.length > 0) return failedAnswer(host, services);
  const list = services.map((s) => `  ${serviceLine(s)}`);
  const data = { services: services.map((s) => serviceView(s)), timedOut };
  if (timedOut) {
    const waiting = services.filter((s) => !s.ready).map((s) => `${s.name} (${s.state})`);
    return {
      text: [
        `Not ready ${within(timeoutMs)}: ${waiting.join(", ")}. get_logs shows what they print.`,
        ...list,
      ].join("\n"),
      data,
      isError: true,
    };
  }
  const stopped = services.filter((s) => s.state === "stopped").map((s) => s.name);
  if (stopped.length > 0) {
    return {
      text: [
        `Stopped, so not ready: ${stopped.join(", ")}. Start them with start_service.`,
        ...list,
      ].join("\n"),
      data,
      isError: true,
    };
  }
  return { text: [`Ready:`, ...list].join("\n"), data };
}

/** A failure with each failed service's reason and last lines. */
async function failedAnswer(host: Host, services: ServiceInfo[]): Promise<ToolAnswer> {
  const failed = services.filter((s) => s.state === "failed");
  const lastLines: Record<string, string[]> = {};
  for (const service of failed) {
    lastLines[service.name] = await host
      .client!.logs({ service: service.name, tail: FAILURE_LINES }, { timeoutMs: PROBE_MS })
      .then((lines) => lines.map((l) => l.text))
      .catch(() => []);
  }
  const text = failed.flatMap((s) => [
    `${s.name} failed: ${s.reason ?? "unknown reason"}${s.exitCode !== null ? ` (exit code ${s.exitCode})` : ""}`,
    ...(lastLines[s.name]!.length
      ? [`last lines of ${s.name}:`, ...lastLines[s.name]!.map((l) => `  ${l}`)]
      : []),
  ]);
  text.push("Fix the cause, then start_service (or restart_service) to try again.");
  return {
    text: text.join("\n"),
    data: {
      services: services.map((s) => serviceView(s)),
      failed: failed.map((s) => s.name),
      lastLines,
    },
    isError: true,
  };
}
