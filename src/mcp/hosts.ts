import { systemClock, type Clock } from "../clock.js";
import type { ControlClient } from "../control/client.js";
import { closest } from "../config/suggest.js";
import { isBerthError } from "../errors.js";
import type { Monitor } from "../monitor/monitor.js";
import { describeHost, selectHost, type SelectOptions } from "../monitor/select.js";
import type { TrackedHost } from "../monitor/tracked.js";
import { ToolError } from "./errors.js";

/** A host as the tools see it: tracked by the monitor, over its control connection. */
export type Host = TrackedHost<ControlClient>;

/** What the view needs of the monitor: its hosts now, and its events. */
export type HostSource = Pick<Monitor<ControlClient>, "hosts" | "on">;

/** How a tool call names a host; none: the selected host, else the one in scope. */
export interface HostTarget {
  apphost?: string;
  pid?: number;
}

/** How long a host found a moment ago may take to answer its first questions. */
const CONNECTING_WAIT_MS = 3_000;

/**
 * The server's view of the app hosts: the monitor's live list (no scan per call), the host
 * an agent selected, and selection as the CLI does it with errors that name the tools.
 */
export class HostView {
  private selected: HostTarget | undefined;

  constructor(
    readonly monitor: HostSource,
    /** The folder the server runs in: the scope of "the project here". */
    readonly cwd: string,
    /** Times every bounded wait of the tools. */
    readonly clock: Clock = systemClock,
  ) {}

  hosts(): Host[] {
    return this.monitor.hosts();
  }

  /** What `select_app_host` set, if anything. */
  selection(): HostTarget | undefined {
    return this.selected;
  }

  /** Remembers a host for the calls that name none; undefined clears it. */
  select(target: HostTarget | undefined): Host | undefined {
    if (target === undefined) {
      this.selected = undefined;
      return undefined;
    }
    const host = this.pick(target);
    // By its config path: the host's identity, which a restarted host keeps (its pid does not).
    const path = host.info?.appHostPath ?? host.sidecar?.appHostPath;
    this.selected = path ? { apphost: path } : { pid: host.pid };
    return host;
  }

  /** The host a call means: named in the call, else the selected one, else the one in scope. */
  pick(target: HostTarget = {}): Host {
    const named = target.apphost !== undefined || target.pid !== undefined;
    const options: SelectOptions = { cwd: this.cwd, ...(named ? target : this.selected) };
    try {
      return selectHost(this.hosts(), options);
    } catch (error) {
      throw selectionError(error, this.hosts(), named || this.selected !== undefined);
    }
  }

  /** The host a call means, once it is live (a host found a moment ago gets a moment). */
  async live(target: HostTarget = {}): Promise<Host & { client: ControlClient }> {
    let host = this.pick(target);
    if (host.status === "connecting") host = await this.settled(host);
    if (host.status === "live" && host.client) return host as Host & { client: ControlClient };
    const name = describeHost(host);
    throw new ToolError(
      "HOST_UNRESPONSIVE",
      `The app host ${name} does not answer${host.error ? ` (${host.error})` : ""}. It may be ` +
        "hung or stopped (SIGSTOP). Stop it with stop_project (it is signalled when it does " +
        "not answer), then start it again with start_project.",
    );
  }

  /** Resolves once `host` is no longer connecting, or after a bound: never waits on a hang. */
  private settled(host: Host): Promise<Host> {
    return new Promise((resolve) => {
      const done = (latest: Host) => {
        cancel();
        off();
        offGone();
        resolve(latest);
      };
      const off = this.monitor.on("changed", (changed) => {
        if (changed.socketPath === host.socketPath && changed.status !== "connecting")
          done(changed);
      });
      const offGone = this.monitor.on("removed", (gone) => {
        if (gone.socketPath === host.socketPath) done(gone);
      });
      const cancel = this.clock.setTimeout(() => {
        done(this.hosts().find((h) => h.socketPath === host.socketPath) ?? host);
      }, CONNECTING_WAIT_MS);
    });
  }
}

/** Throws `UNKNOWN_SERVICE` when the host has no such service, naming those it has. */
export function requireService(host: Host, name: string): void {
  const names = (host.services ?? []).map((s) => s.name);
  if (names.includes(name)) return;
  const guess = closest(name, names);
  throw new ToolError(
    "UNKNOWN_SERVICE",
    `${host.info?.appHostPath ?? "The app host"} has no service named "${name}"` +
      `${guess ? `; did you mean "${guess}"?` : "."} Its services: ${names.join(", ") || "none"}.`,
  );
}

/**
 * The CLI's selection errors in an agent's words: the same cases and candidates, with the
 * tools that resolve them instead of command-line flags.
 */
function selectionError(error: unknown, hosts: Host[], named: boolean): unknown {
  if (!isBerthError(error)) return error;
  const candidates = hosts.map(describeHost);
  if (error.code === "AMBIGUOUS_HOST") {
    const what = error.message.replace(/\. Pick one with.*$/, "");
    return new ToolError(
      "AMBIGUOUS_HOST",
      `${what}. Pick one with select_app_host (by apphost path or pid), or pass apphost or pid to this tool:`,
      error.details,
    );
  }
  if (error.code !== "NOT_RUNNING") return error;
  const what = error.message.replace(/ Start one with.*$/, "");
  if (hosts.length === 0) {
    return new ToolError(
      "NOT_RUNNING",
      `${what} No app host is running on this machine. Start this project with start_project ` +
        "(it runs `berth run --detach`), or run `berth run` in a terminal.",
    );
  }
  const clear = named ? " (or select_app_host with no arguments to go back to this folder's)" : "";
  return new ToolError(
    "NOT_RUNNING",
    `${what} Start this project with start_project, or pick one of those running with ` +
      `select_app_host${clear}:`,
    candidates,
  );
}
