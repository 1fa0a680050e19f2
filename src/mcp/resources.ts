import { ResourceTemplate, type McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import {
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { appHostPathOf } from "../monitor/tracked.js";
import type { HostView } from "./hosts.js";
import { hostView, serviceView } from "./present.js";

/**
 * One resource per app host, `berth://app-hosts/<pid>`: its summary and services as JSON.
 * It is how clients hear of changes (docs/mcp.md): a host found or gone sends
 * `notifications/resources/list_changed`; a change of a host's services or status sends
 * `notifications/resources/updated` for its resource to the clients subscribed to it.
 */
export function registerHostResources(server: McpServer, view: HostView): () => void {
  const uriOf = (pid: number) => `berth://app-hosts/${pid}`;
  server.registerResource(
    "app-host",
    new ResourceTemplate("berth://app-hosts/{pid}", {
      list: () => ({
        resources: view.hosts().map((host) => ({
          uri: uriOf(host.pid),
          name: `${appHostPathOf(host) ?? host.socketPath} (pid ${host.pid})`,
          mimeType: "application/json",
        })),
      }),
    }),
    {
      title: "App host",
      description:
        "One running app host: its status and services. Subscribe to hear when its services change state.",
      mimeType: "application/json",
    },
    (uri, variables) => {
      const host = view.hosts().find((h) => String(h.pid) === String(variables.pid));
      const body = host
        ? {
            ...hostView(host, view.cwd, false),
            services: (host.services ?? []).map((s) => serviceView(s)),
          }
        : { pid: Number(variables.pid), status: "gone" };
      return {
        contents: [
          { uri: uri.href, mimeType: "application/json", text: JSON.stringify(body, null, 2) },
        ],
      };
    },
  );

  const subscribed = new Set<string>();
  server.server.registerCapabilities({ resources: { subscribe: true, listChanged: true } });
  server.server.setRequestHandler(SubscribeRequestSchema, (request) => {
    subscribed.add(request.params.uri);
    return {};
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, (request) => {
    subscribed.delete(request.params.uri);
    return {};
  });

  const updated = (pid: number) => {
    const uri = uriOf(pid);
    if (subscribed.has(uri) && server.isConnected()) {
      server.server.sendResourceUpdated({ uri }).catch(() => {});
    }
  };
  const listChanged = () => {
    if (server.isConnected()) server.sendResourceListChanged();
  };
  const offs = [
    view.monitor.on("added", listChanged),
    view.monitor.on("removed", (host) => {
      updated(host.pid);
      listChanged();
    }),
    view.monitor.on("changed", (host) => updated(host.pid)),
  ];
  return () => offs.forEach((off) => off());
}
