import { describe, expect, it } from "vitest";
import { ManualClock } from "../clock.js";
import type { ServiceInfo } from "../control/protocol.js";
import type { MonitorEvent, MonitorListener } from "../monitor/monitor.js";
import type { ControlClient } from "../control/client.js";
import { HostView, type Host, type HostSource } from "./hosts.js";
import { ToolError } from "./errors.js";
import { waitForServices } from "./wait.js";

/** The monitor's hosts and events, driven by the test. */
class FakeSource implements HostSource {
  list: Host[] = [];
  private readonly listeners = new Map<MonitorEvent, Set<MonitorListener<ControlClient>>>();

  hosts(): Host[] {
    return this.list.map((h) => ({ ...h }));
  }

  on(event: MonitorEvent, listener: MonitorListener<ControlClient>): () => void {
    const set = this.listeners.get(event) ?? new Set();
    this.listeners.set(event, set);
    set.add(listener);
    return () => set.delete(listener);
  }

  emit(event: MonitorEvent, host: Host): void {
    if (event === "removed") this.list = this.list.filter((h) => h.socketPath !== host.socketPath);
    else this.list = [...this.list.filter((h) => h.socketPath !== host.socketPath), host];
    for (const listener of this.listeners.get(event) ?? []) listener(host);
  }
}

function service(name: string, state: ServiceInfo["state"]): ServiceInfo {
  return {
    name,
    state,
    oneshot: false,
    pid: 1,
    port: null,
    url: null,
    ready: state === "ready",
    restarts: 0,
    exitCode: null,
    startedAt: null,
    readyAt: null,
    reason: null,
    command: "node api.mjs",
  };
}

function host(services: ServiceInfo[]): Host {
  return { socketPath: "/run/x.1.sock", hash: "x", pid: 1, status: "live", services };
}

function setup(services: ServiceInfo[]) {
  const source = new FakeSource();
  const clock = new ManualClock();
  source.list = [host(services)];
  return { source, clock, view: new HostView(source, "/nowhere", clock) };
}

describe("waitForServices", () => {
  it("resolves once every service has settled, from the monitor's events", async () => {
    const { source, view } = setup([service("api", "starting"), service("web", "ready")]);
    const waiting = waitForServices(view, source.list[0]!, undefined, 10_000);
    source.emit("changed", host([service("api", "ready"), service("web", "ready")]));
    expect(await waiting).toEqual({
      services: [service("api", "ready"), service("web", "ready")],
      timedOut: false,
    });
  });

  it("waits for the one named only, and says when time ran out", async () => {
    const { source, clock, view } = setup([service("api", "starting"), service("web", "ready")]);
    const waiting = waitForServices(view, source.list[0]!, ["api"], 5_000);
    await clock.advance(5_000);
    expect(await waiting).toEqual({ services: [service("api", "starting")], timedOut: true });
  });

  it("rejects when the host goes away meanwhile", async () => {
    const { source, view } = setup([service("api", "starting")]);
    const waiting = waitForServices(view, source.list[0]!, undefined, 5_000);
    source.emit("removed", { ...source.list[0]!, status: "gone" });
    await expect(waiting).rejects.toThrow(ToolError);
    await expect(waiting).rejects.toThrow(/stopped while waiting/);
  });
  it("stops waiting when the call is cancelled", async () => {
    const { source, view } = setup([service("api", "starting")]);
    const cancelled = new AbortController();
    const waiting = waitForServices(view, source.list[0]!, undefined, 5_000, cancelled.signal);
    cancelled.abort(new Error("cancelled by the client"));
    await expect(waiting).rejects.toThrow("cancelled by the client");
  });
});

describe("HostView", () => {
  it("names start_project when nothing runs, and the stuck host's stop when it is unresponsive", async () => {
    const { source, view } = setup([]);
    source.list = [];
    expect(() => view.pick()).toThrow(
      /No app host is running on this machine. Start this project with start_project/,
    );
    source.list = [{ ...host([]), status: "unresponsive", info: undefined, sidecar: undefined }];
    await expect(view.live({ pid: 1 })).rejects.toThrow(/does not answer.*stop_project/);
  });
});
