import { api, since, type ServiceInfo } from "./api.js";

/** The live services table, with start, stop and restart buttons. */
export class ServicesTable {
  readonly services = new Map<string, ServiceInfo>();
  private readonly pending = new Map<string, string>();
  private stopped = false;

  constructor(
    private readonly body: HTMLTableSectionElement,
    private readonly csrf: () => string,
  ) {}

  /** Replaces every row: the host's full list. */
  setAll(services: ServiceInfo[]): void {
    this.services.clear();
    for (const service of services) this.services.set(service.name, service);
    this.render();
  }

  update(service: ServiceInfo): void {
    this.services.set(service.name, service);
    this.render();
  }

  /** No more actions: the host has gone. */
  disable(): void {
    this.stopped = true;
    this.render();
  }

  render(): void {
    this.body.replaceChildren();
    for (const s of this.services.values()) {
      const row = this.body.insertRow();
      row.dataset.service = s.name;
      cell(row, s.name);
      cell(row, this.pending.get(s.name) ?? s.state, `state state-${s.state}`);
      const url = row.insertCell();
      if (s.url) {
        const link = document.createElement("a");
        link.href = s.url;
        link.target = "_blank";
        link.rel = "noreferrer";
        link.textContent = s.url;
        url.append(link);
      }
      cell(row, readyIn(s));
      cell(row, String(s.restarts));
      cell(row, s.state === "ready" ? since(s.startedAt) : "");
      cell(row, s.exitCode === null ? "" : String(s.exitCode));
      cell(row, s.pid === null ? "" : String(s.pid));
      cell(row, s.reason, "reason");
      const actions = row.insertCell();
      for (const action of ["start", "stop", "restart"]) {
        const button = document.createElement("button");
        button.textContent = action;
        button.disabled = this.stopped || this.pending.has(s.name);
        button.addEventListener("click", () => void this.act(s.name, action));
        actions.append(button);
      }
    }
  }

  private async act(name: string, action: string): Promise<void> {
    this.pending.set(name, `${action}ing…`);
    this.render();
    try {
      const path = `/api/services/${encodeURIComponent(name)}/${action}`;
      const { service } = await api<{ service: ServiceInfo }>(path, {
        method: "POST",
        headers: { "x-berth-csrf": this.csrf() },
      });
      this.services.set(service.name, service);
    } catch (error) {
      alert(`${name}: ${(error as Error).message}`);
    } finally {
      this.pending.delete(name);
      this.render();
    }
  }
}

function cell(row: HTMLTableRowElement, text: string | null, className?: string): void {
  const td = row.insertCell();
  td.textContent = text ?? "";
  if (className) td.className = className;
}

function readyIn(service: ServiceInfo): string {
  if (!service.startedAt || !service.readyAt) return "";
  return `${Date.parse(service.readyAt) - Date.parse(service.startedAt)} ms`;
}
