import { dirname } from "node:path";
import { z } from "zod";
import { findConfig } from "../../config/find.js";
import type { ServiceInfo } from "../../control/protocol.js";
import { peekState } from "../../model/state-peek.js";
import { appHostPathOf } from "../../monitor/tracked.js";
import { projectConfig } from "../app-model.js";
import { describeService } from "../describe.js";
import { ToolError } from "../errors.js";
import type { Host, HostView } from "../hosts.js";
import { runCli } from "../launch.js";
import { serviceLine, serviceView } from "../present.js";
import { keepAlive } from "../progress.js";
import { answer } from "../results.js";
import { hostArgs, targetOf, type ToolContext } from "./shared.js";

/** Under the 60 s after which MCP clients (the SDK's default) give up on a call. */
const DEFAULT_START_S = 50;
/** `berth stop` waits 30 s for a host that answers, then signals: this bounds it all. */
const STOP_MS = 60_000;
/** After `berth run --detach` returns, the monitor has seen the host's socket or soon will. */
const APPEAR_MS = 5_000;
/** A host that just answered `run --detach` answers this at once; past it, the monitor's copy. */
const DESCRIBE_MS = 2_000;

/** `start_project`, `stop_project`, `describe_app`. */
export function registerProjectTools({ server, view, launcher }: ToolContext): void {
  server.registerTool(
    "start_project",
    {
      title: "Start the project",
      description:
        "Starts the project in the background (as `berth run --detach`): every service (or the ones named and what " +
        "they depend on), in dependency order on free ports, and returns once each is ready or failed, with the services " +
        "and their URLs, or the failing service's last log lines. A project already running is left as it is.",
      inputSchema: {
        config: z
          .string()
          .optional()
          .describe(
            "The config file or its folder (default: berth.config.* found from the server's folder up).",
          ),
        services: z
          .array(z.string().regex(/^[^-]/, "a service name, not an option"))
          .optional()
          .describe("Start only these services and their dependencies."),
        timeoutSeconds: z
          .number()
          .positive()
          .max(1800)
          .optional()
          .describe(
            `How long to wait for the services (default ${DEFAULT_START_S}); they keep starting after it.`,
          ),
      },
      annotations: { readOnlyHint: false, openWorldHint: false },
    },
    (args, extra) =>
      answer(async () => {
        const file = findConfig(view.cwd, args.config);
        const timeoutMs = (args.timeoutSeconds ?? DEFAULT_START_S) * 1000;
        const stop = keepAlive(extra, view.clock, `starting ${file}`);
        const run = await runCli(
          launcher,
          ["run", "--detach", ...(args.services ?? []), "--config", file],
          { cwd: dirname(file), timeoutMs, clock: view.clock },
        ).finally(stop);
        const output = run.output.trimEnd();
        if (run.timedOut) {
          return {
            text: `${file} is still starting after ${args.timeoutSeconds ?? DEFAULT_START_S} s. Follow it with wait_for_ready, list_services and get_logs.\n${output}`,
            data: {
              appHostPath: file,
              started: false,
              stillStarting: true,
              output,
              error: { code: "STILL_STARTING", message: "the services are still starting" },
            },
            isError: true,
          };
        }
        // A failed start has said all it will: its host, if any, is already known.
        const host = run.code === 0 ? await appeared(view, file) : liveHost(view, file);
        const services = host ? await currentServices(host) : [];
        if (run.code !== 0) {
          return {
            text: `Starting ${file} failed (berth run --detach exit code ${run.code}):\n${output}`,
            data: {
              appHostPath: file,
              started: false,
              error: { code: "START_FAILED", message: `berth run --detach exited ${run.code}` },
              exitCode: run.code,
              output,
              running: host !== undefined,
              services: services.map((s) => serviceView(s)),
            },
            isError: true,
          };
        }
        // `berth run --detach` says so, and changes nothing, when the project already runs.
        const already = /^berth already runs /m.test(output);
        const how = already ? "was already running" : "runs in the background";
        return {
          text: [
            `${file} ${how}${host ? ` (pid ${host.pid})` : ""}:`,
            ...services.map((s) => `  ${serviceLine(s)}`),
            ...(host ? [] : [output]),
          ].join("\n"),
          data: {
            appHostPath: file,
            started: !already,
            alreadyRunning: already,
            pid: host?.pid ?? null,
            services: services.map((s) => serviceView(s)),
          },
        };
      }),
  );

  server.registerTool(
    "stop_project",
    {
      title: "Stop the project",
      description:
        "Stops the selected app host and every service it runs (as `berth stop`), and returns once its process is " +
        "gone and its ports are free. A host that does not answer (hung) is signalled. Its logs stay readable with get_logs.",
      inputSchema: { ...hostArgs },
      annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: false },
    },
    (args) =>
      answer(async () => {
        let host: Host;
        try {
          host = view.pick(targetOf(args));
        } catch (error) {
          if (error instanceof ToolError && error.code === "NOT_RUNNING") {
            return {
              text: `Nothing to stop: ${error.message}`,
              data: { stopped: false },
              isError: false,
            };
          }
          throw error;
        }
        const path = appHostPathOf(host) ?? host.socketPath;
        const run = await runCli(launcher, ["stop", "--pid", String(host.pid)], {
          cwd: view.cwd,
          timeoutMs: STOP_MS,
          clock: view.clock,
        });
        const output = run.output.trimEnd();
        const failed = run.code !== 0;
        return {
          text: failed ? `Stopping ${path} failed (exit code ${run.code}):\n${output}` : output,
          data: { appHostPath: path, pid: host.pid, stopped: !failed, output },
          isError: failed,
        };
      }),
  );

  server.registerTool(
    "describe_app",
    {
      title: "Describe the app",
      description:
        "How the project is wired: each service's command (or binary), working folder, port and URL, dependencies, " +
        "ready check, restart policy, watched files and the names of its environment variables (never their values). " +
        "Works whether or not it is running; when running, with the ports and URLs in use.",
      inputSchema: { ...hostArgs },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args) =>
      answer(async () => {
        const { file, host } = projectOf(view, targetOf(args));
        const config = await projectConfig(file);
        const state = peekState(config.projectDir);
        const secret = state?.instance?.secret;
        const running = new Map((host?.services ?? []).map((s) => [s.name, s]));
        const services = config.services.map((s) =>
          describeService(s, running.get(s.name), state?.ports?.[s.name], secret),
        );
        const lines = services.map((s) =>
          [
            `- ${s.name}${s.oneshot ? " (oneshot)" : ""}${s.state ? ` [${s.state}]` : ""}`,
            `    run: ${s.command ?? `binary ${s.binary?.name}@${s.binary?.version} ${s.args?.join(" ") ?? ""}`}`,
            `    cwd: ${s.cwd}; port: ${s.assignedPort ?? (s.port ? JSON.stringify(s.port) : "none")}; url: ${s.url ?? "none"}`,
            `    depends on: ${s.dependsOn.map((d) => `${d.name} (${d.condition})`).join(", ") || "nothing"}`,
            `    ready when: ${s.ready}; restart: ${s.restart}`,
            ...(s.envNames.length ? [`    env: ${s.envNames.join(", ")}`] : []),
          ].join("\n"),
        );
        return {
          text: [
            `${config.file}${host ? ` (running, pid ${host.pid})` : " (not running)"}${config.name ? `, instance ${config.name}` : ""}:`,
            ...lines,
          ].join("\n"),
          data: {
            appHostPath: config.file,
            projectDir: config.projectDir,
            running: host !== undefined,
            services,
          },
        };
      }),
  );
}

/** The project meant: the selected (or named) host's, else the config found from here up. */
function projectOf(
  view: HostView,
  target: { apphost?: string; pid?: number },
): { file: string; host?: Host } {
  try {
    const host = view.pick(target);
    const file = appHostPathOf(host);
    if (file) return { file, host };
  } catch (error) {
    if (!(error instanceof ToolError) || error.code !== "NOT_RUNNING" || target.pid !== undefined)
      throw error;
  }
  return { file: findConfig(view.cwd, target.apphost ?? view.selection()?.apphost) };
}

function liveHost(view: HostView, file: string): Host | undefined {
  return view.hosts().find((h) => appHostPathOf(h) === file && h.status === "live");
}

/**
 * The host's services as it has them now: the monitor's copy may still lack a change the
 * host announced just before `run --detach` returned.
 */
async function currentServices(host: Host): Promise<ServiceInfo[]> {
  if (!host.client) return host.services ?? [];
  try {
    return (await host.client.describe({ timeoutMs: DESCRIBE_MS })).services;
  } catch {
    return host.services ?? [];
  }
}

/** The project's host once the monitor has it live; undefined if it does not show up. */
function appeared(view: HostView, file: string): Promise<Host | undefined> {
  const find = () => liveHost(view, file);
  const now = find();
  if (now) return Promise.resolve(now);
  return new Promise((resolve) => {
    const done = (host: Host | undefined) => {
      cancel();
      off();
      resolve(host);
    };
    const off = view.monitor.on("changed", () => {
      const host = find();
      if (host) done(host);
    });
    const cancel = view.clock.setTimeout(() => done(find()), APPEAR_MS);
  });
}
