import { z } from "zod";
import { plural } from "../../plural.js";
import { appHostPathOf } from "../../monitor/tracked.js";
import type { Host, HostView } from "../hosts.js";
import { hostView } from "../present.js";
import { answer } from "../results.js";
import type { ToolContext } from "./shared.js";

/** `list_app_hosts` and `select_app_host`. */
export function registerHostTools({ server, view }: ToolContext): void {
  server.registerTool(
    "list_app_hosts",
    {
      title: "List app hosts",
      description:
        "Every berth app host (one running project) on this machine: its config path, pid, status " +
        "(live, connecting, unresponsive), whether it is in scope (under the server's folder), " +
        "services ready out of total, and its dashboard's address (the user logs in with the link `berth dashboard` prints). " +
        "The selected one is what the other tools act on.",
      inputSchema: {},
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    () =>
      answer(() => {
        const hosts = view.hosts();
        const chosen = current(view);
        const list = hosts.map((h) => hostView(h, view.cwd, h.socketPath === chosen?.socketPath));
        const lines = list.map(
          (h) =>
            `${h.selected ? "* " : "  "}${h.appHostPath ?? "(unknown path)"}  pid ${h.pid}  ${h.status}  ` +
            `${h.servicesReady}/${h.servicesTotal} ready${h.inScope ? "  in scope" : ""}` +
            `${h.dashboardUrl ? `  dashboard ${h.dashboardUrl}` : ""}`,
        );
        const text =
          hosts.length === 0
            ? `No app host is running. Start the project in ${view.cwd} with start_project.`
            : [
                `${plural(hosts.length, "app host")} running (* = the one tools act on):`,
                ...lines,
              ].join("\n");
        return { text, data: { cwd: view.cwd, hosts: list } };
      }),
  );

  server.registerTool(
    "select_app_host",
    {
      title: "Select an app host",
      description:
        "Chooses the app host the other tools act on when several run, or one outside the server's folder. " +
        "Name it by its config path (or folder) or its pid, from list_app_hosts. Call with no arguments to go back " +
        "to the default: the one host under the server's folder.",
      inputSchema: {
        apphost: z.string().optional().describe("The project's config file or its folder."),
        pid: z.number().int().positive().optional().describe("The app host's process ID."),
      },
      annotations: { readOnlyHint: false, idempotentHint: true, openWorldHint: false },
    },
    (args) =>
      answer(() => {
        if (args.apphost === undefined && args.pid === undefined) {
          view.select(undefined);
          return {
            text: `Selection cleared: tools act on the app host under ${view.cwd}.`,
            data: { selected: null },
          };
        }
        const host = view.select(args)!;
        const data = hostView(host, view.cwd, true);
        return {
          text: `Selected ${appHostPathOf(host) ?? host.socketPath} (pid ${host.pid}, ${host.status}); tools act on it until select_app_host is called again.`,
          data: { selected: data },
        };
      }),
  );
}

/** The host tools act on now, when selection finds one. */
function current(view: HostView): Host | undefined {
  try {
    return view.pick();
  } catch {
    return undefined;
  }
}
