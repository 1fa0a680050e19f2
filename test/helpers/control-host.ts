/**
 * A control target without processes, for tests of the server, the client and what is
 * built on them (the monitor), and a control server over it. Tests drive it: `setState` and `emitLog` publish events
 * the way the supervisor would.
 */
import { randomBytes } from "node:crypto";
import { dirname } from "node:path";
import type { Clock } from "../../src/clock.js";
import { processStartTime } from "../../src/platform/process-info.js";
import type { LogStream, ServiceState, SupervisorEvent } from "../../src/supervisor/events.js";
import { appHostHash, socketAddress, type SocketAddress } from "../../src/control/address.js";
import { ControlError } from "../../src/control/errors.js";
import { startControlServer, type ControlServer } from "../../src/control/server.js";
import type { ControlLimits } from "../../src/control/session.js";
import {
  RpcErrorCode,
  type HostInfo,
  type LogEntry,
  type ServiceInfo,
} from "../../src/control/protocol.js";
import type { ControlTarget } from "../../src/control/target.js";

export interface FakeTargetOptions {
  info?: Partial<HostInfo>;
  /** Services by name, with anything not given defaulted (state `ready`). */
  services?: Record<string, Partial<ServiceInfo>>;
  now?: () => number;
}

export class FakeTarget implements ControlTarget {
  readonly hostInfo: HostInfo;
  stopHostCalls = 0;
  /** When set, start/stop/restart await it first (to make them slow, or fail). */
  beforeAction?: (action: string, name: string) => Promise<void>;
  private readonly table = new Map<string, ServiceInfo>();
  private readonly lines: LogEntry[] = [];
  private readonly listeners = new Set<(event: SupervisorEvent) => void>();
  private readonly now: () => number;

  constructor(options: FakeTargetOptions = {}) {
    this.now = options.now ?? Date.now;
    this.hostInfo = {
      appHostPath: "/home/dev/shop/berth.config.ts",
      projectDir: "/home/dev/shop",
      hash: "4f9a1c2b3d4e5f60",
      instanceName: "shop-4f9a1c",
      pid: process.pid,
      processStartTime: "12345678",
      launcherPid: null,
      startedAt: "2025-01-01T10:00:00.000Z",
      version: "0.1.0",
      dashboardUrl: null,
      detached: false,
      leftOut: [],
      ...options.info,
    };
    for (const [name, partial] of Object.entries(options.services ?? {})) {
      this.table.set(name, {
        name,
        state: "ready",
        oneshot: false,
        pid: 4242,
        port: 3000,
        url: "http://127.0.0.1:3000",
        ready: true,
        restarts: 0,
        exitCode: null,
        startedAt: "2025-01-01T10:00:01.000Z",
        readyAt: "2025-01-01T10:00:02.000Z",
        reason: null,
        command: `node ${name}.js`,
        ...partial,
      });
    }
  }

  info(): HostInfo {
    return { ...this.hostInfo };
  }

  services(): ServiceInfo[] {
    return [...this.table.values()].map((service) => ({ ...service }));
  }

  service(name: string): ServiceInfo {
    return { ...this.get(name) };
  }

  subscribe(listener: (event: SupervisorEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  logs(service: string | undefined, tail: number): LogEntry[] {
    if (service !== undefined) this.get(service);
    const lines = this.lines.filter((line) => service === undefined || line.service === service);
    return tail === 0 ? [] : lines.slice(-tail);
  }

  async startService(name: string): Promise<ServiceInfo> {
    await this.beforeAction?.("start", name);
    this.setState(name, "starting");
    return this.setState(name, "ready");
  }

  async stopService(name: string): Promise<ServiceInfo> {
    await this.beforeAction?.("stop", name);
    this.setState(name, "stopping");
    return this.setState(name, "stopped", { reason: "stopped by request" });
  }

  async restartService(name: string): Promise<ServiceInfo> {
    await this.stopService(name);
    await this.startService(name);
    return { ...this.get(name) };
  }

  stopHost(): void {
    this.stopHostCalls++;
  }

  /** Who holds the host now (a hold ends when its connection does). */
  readonly holders = new Set<string>();

  hold(holder: string, until: AbortSignal): void {
    this.holders.add(holder);
    until.addEventListener("abort", () => this.holders.delete(holder), { once: true });
  }

  /** Moves a service to `state` and publishes the state event. */
  setState(name: string, state: ServiceState, extra: Partial<ServiceInfo> = {}): ServiceInfo {
    const service = this.get(name);
    const previous = service.state;
    Object.assign(service, { reason: null, ...extra, state, ready: state === "ready" });
    this.emit({
      type: "state",
      service: name,
      state,
      previous,
      time: this.now(),
      restarts: service.restarts,
      ...(service.reason ? { reason: service.reason } : {}),
    });
    return { ...service };
  }

  /** Stores lines for `logs` and publishes them as one log event. */
  emitLog(service: string, lines: string[], stream: LogStream = "stdout"): void {
    const time = this.now();
    for (const text of lines) this.lines.push({ service, time, stream, text });
    this.emit({ type: "log", service, stream, lines, time });
  }

  private get(name: string): ServiceInfo {
    const service = this.table.get(name);
    if (!service) {
      throw new ControlError(RpcErrorCode.serviceNotFound, `no service named "${name}"`);
    }
    return service;
  }

  private emit(event: SupervisorEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

export interface FakeHostOptions extends FakeTargetOptions {
  /** Default: the hash of `info.appHostPath`, itself random by default. */
  hash?: string;
  /** Where the runtime dir is read from (default: process.env, moved by the test setup). */
  env?: NodeJS.ProcessEnv;
  secrets?: string[];
  clock?: Clock;
  limits?: Partial<ControlLimits>;
  log?: (message: string) => void;
}

export interface FakeHost {
  target: FakeTarget;
  server: ControlServer;
  address: SocketAddress;
}

/**
 * A control server over a `FakeTarget`, listening in the runtime dir like a real host (its
 * sidecar names this process, with its real start time).
 */
export async function startFakeHost(options: FakeHostOptions = {}): Promise<FakeHost> {
  const appHostPath =
    options.info?.appHostPath ?? `/tmp/fake-${randomBytes(4).toString("hex")}/berth.config.ts`;
  const hash = options.hash ?? appHostHash(appHostPath);
  const address = socketAddress(hash, process.pid, options.env);
  const target = new FakeTarget({
    ...options,
    info: { projectDir: dirname(appHostPath), ...options.info, appHostPath, hash },
  });
  const info = target.info();
  const server = await startControlServer({
    target,
    address,
    sidecar: {
      appHostPath: info.appHostPath,
      pid: process.pid,
      processStartTime: processStartTime(process.pid) ?? info.processStartTime,
      startedAt: info.startedAt,
      version: info.version,
    },
    secrets: options.secrets,
    clock: options.clock,
    limits: options.limits,
    log: options.log,
  });
  return { target, server, address };
}

/** An instance secret; hosts mask it as `***0a08`. */
export const SECRET = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

/** Two services, one with the secret in its command. */
export const SERVICES: FakeTargetOptions["services"] = {
  api: { command: `node api.js --admin-key ${SECRET}`, port: 3000 },
  worker: { command: "node worker.js", port: null, url: null },
};

/** One JSON-RPC message with its Content-Length header, as a misbehaving host writes it. */
export function frame(message: object): string {
  const body = JSON.stringify(message);
  return `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}
