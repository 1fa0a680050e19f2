// The dashboard's page: reads /api/host and /api/logs, then follows /api/events. Every
// value from the host goes into the page as text, never as HTML.
import {
  api,
  since,
  type HostInfo,
  type PageLogEvent,
  type PageLogLine,
  type ServiceInfo,
} from "./api.js";
import { drawGraph, hasDependencies, layoutGraph, type DependsOn } from "./graph.js";
import { linesAfter, LogsView } from "./logs-view.js";
import { ServicesTable } from "./services-table.js";

function $<T extends HTMLElement>(selector: string): T {
  return document.querySelector<T>(selector)!;
}

let csrf = "";
let dependsOn: DependsOn = {};
const table = new ServicesTable($<HTMLTableElement>("#services").tBodies[0]!, () => csrf);
const logs = new LogsView({
  box: $("#logs"),
  space: $("#logs-space"),
  rows: $("#logs-rows"),
  filter: $("#filter"),
  regex: $("#regex"),
  follow: $("#follow"),
  pause: $("#pause"),
  count: $("#count"),
  dropped: $("#dropped"),
});
const select = $<HTMLSelectElement>("#service");

/** The dependency graph, redrawn with the table (only when some service has dependencies). */
function showGraph(): void {
  if (!hasDependencies(dependsOn)) return;
  $("#graph-section").hidden = false;
  const layout = layoutGraph([...table.services.keys()], dependsOn);
  drawGraph(document.querySelector<SVGSVGElement>("#graph")!, layout, table.services);
}

/** Offers each service in the selector, keeping the current choice while it exists. */
function listServices(): void {
  const names = [...table.services.keys()];
  const shown = [...select.options].slice(1).map((option) => option.value);
  if (names.join("\n") === shown.join("\n")) return;
  const keep = select.value;
  select.replaceChildren(select.options[0]!);
  for (const name of names) select.add(new Option(name, name));
  select.value = names.includes(keep) ? keep : "";
}

/**
 * Recent lines of the selected service (older ones from its log file), or of all: as many as
 * the host gives (the view renders only what is in sight).
 */
async function loadLogs(): Promise<void> {
  const load = ++loads;
  arriving = [];
  const service = select.value;
  const query = service ? `&service=${encodeURIComponent(service)}` : "";
  const { lines } = await api<{ lines: PageLogLine[] }>(`/api/logs?tail=100000${query}`);
  // A later choice of service has its own load on the way.
  if (load !== loads) return;
  const live = arriving.filter((line) => !service || line.service === service);
  arriving = undefined;
  logs.clear();
  logs.add(lines);
  logs.add(linesAfter(lines, live));
}

/** The lines that came live while a history was on its way (kept, then merged after it). */
let arriving: PageLogLine[] | undefined;
let loads = 0;

function gone(text: string): void {
  const banner = $("#gone");
  banner.textContent = text;
  banner.hidden = false;
  table.disable();
}

async function main(): Promise<void> {
  let host: HostInfo;
  try {
    ({ host, csrf, dependsOn } = await api<{ host: HostInfo; csrf: string; dependsOn: DependsOn }>(
      "/api/host",
    ));
  } catch (error) {
    gone((error as Error).message);
    return;
  }
  document.title = `${host.instanceName} · berth`;
  $("#project").textContent = host.instanceName;
  const showHost = () =>
    ($("#host").textContent =
      `pid ${host.pid} · up ${since(host.startedAt)} · ${host.appHostPath}`);
  showHost();
  setInterval(() => {
    showHost();
    table.render();
  }, 5000);
  select.addEventListener("change", () => void loadLogs());
  const events = new EventSource("/api/events?logs=*");
  // The host sends `services` once it follows the lines for this stream: history asked for
  // from then on, with the live lines that come meanwhile, leaves no gap.
  events.addEventListener("services", (event) => {
    table.setAll((JSON.parse(event.data as string) as { services: ServiceInfo[] }).services);
    listServices();
    showGraph();
    void loadLogs();
  });
  events.addEventListener("service", (event) => {
    table.update((JSON.parse(event.data as string) as { service: ServiceInfo }).service);
    showGraph();
  });
  events.addEventListener("logs", (event) => {
    const data = JSON.parse(event.data as string) as PageLogEvent;
    if (data.dropped) logs.missed(data.dropped);
    const service = select.value;
    const lines: PageLogLine[] = [];
    for (const batch of data.batches) {
      if (!arriving && service && batch.service !== service) continue;
      const { time, stream } = batch;
      for (const text of batch.lines) lines.push({ service: batch.service, time, stream, text });
    }
    if (arriving) arriving = arriving.concat(lines);
    else logs.add(lines);
  });
  events.addEventListener("error", () => {
    // The browser would retry for ever: ask once whether the host is still there.
    api("/api/host").catch(() => {
      events.close();
      gone(
        "The app host has stopped. Start it again with `berth run`, then open its new login link.",
      );
    });
  });
}

void main();
