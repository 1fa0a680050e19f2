import { systemClock, type Clock } from "../clock.js";
import { scanDirs } from "../control/address.js";
import { runtimeDir } from "../platform/paths.js";
import { connectControl, type ControlClient } from "../control/client.js";
import type { ServiceChangedParams } from "../control/protocol.js";
import type { BackoffPolicy } from "./backoff.js";
import { closeQuietly, type ConnectOptions, type HostConnection } from "./connection.js";
import { sweepOrphans } from "./orphans.js";
import { reachHost } from "./reach.js";
import { inspectStem, listCandidates, withSidecar, type Candidate } from "./scan.js";
import { byPathThenPid, type TrackedHost } from "./tracked.js";
import { watchDirs, type DirWatcher, type WatchOptions } from "./watch.js";

/**
 * The long-lived view of every app host on the machine, for the MCP server and the
 * dashboard: finds hosts by scanning and watching the runtime dirs, keeps one connection
 * to each, follows its services, and cleans up what crashed hosts left behind.
 */

export interface MonitorOptions<C extends HostConnection = ControlClient> {
  /** Opens a control connection (default `connectControl`; tests pass fakes). */
  connect?: (socketPath: string, options: ConnectOptions) => Promise<C>;
  clock?: Clock;
  /** Folders to scan (default `scanDirs()`); the first is created if missing. */
  dirs?: string[];
  /** Bound on connecting and the first answers: past it a host is `unresponsive` (2 s). */
  timeoutMs?: number;
  /** Back-off for refused connections (default 10 ms doubling to 1 s, 3 s in all). */
  policy?: BackoffPolicy;
  pollMs?: number;
  rescanMs?: number;
  /** Delay before the second look at an orphan (75 ms). */
  recheckMs?: number;
  /** Replaces `fs.watch` (tests make watching unavailable with it). */
  watch?: WatchOptions["watch"];
  log?: (message: string) => void;
}

export type MonitorEvent = "added" | "changed" | "removed";
export type MonitorListener<C extends HostConnection> = (host: TrackedHost<C>) => void;

interface Entry<C extends HostConnection> {
  host: TrackedHost<C>;
  candidate: Candidate;
  attempting: boolean;
  abort: AbortController;
}

/**
 * Tracks every running app host. Events carry a snapshot of the host: `added` when its
 * socket is found, `changed` when its status, info or services change, `removed` (with
 * status `gone`) when its socket goes away.
 *
 * @example
 * const monitor = new Monitor();
 * monitor.on("changed", (host) => host.status === "live" && console.log(host.info?.appHostPath));
 * await monitor.start();
 * // ...
 * await monitor.stop();
 */
export class Monitor<C extends HostConnection = ControlClient> {
  /** By hash, then by socket path: one project can briefly have two hosts (one leaving). */
  private readonly entries = new Map<string, Map<string, Entry<C>>>();
  private readonly listeners = new Map<MonitorEvent, Set<MonitorListener<C>>>();
  private readonly clock: Clock;
  private readonly dirs: string[];
  private watcher: DirWatcher | undefined;
  private running = false;
  private scanQueued = false;
  private readonly sweepQueue = new Map<string, Candidate>();
  private sweeping = false;
  private readonly stopping = new AbortController();

  private readonly connect: (socketPath: string, options: ConnectOptions) => Promise<C>;

  constructor(private readonly options: MonitorOptions<C> = {}) {
    this.clock = options.clock ?? systemClock;
    this.connect = options.connect ?? (connectControl as unknown as typeof this.connect);
    this.dirs = options.dirs ?? scanDirs();
  }

  /** Starts watching; resolves once the first scan is done (its hosts `connecting` or better). */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const primary = this.options.dirs?.[0] ?? runtimeDir();
    this.watcher = watchDirs(this.dirs, () => this.rescan(), {
      clock: this.clock,
      create: [primary],
      pollMs: this.options.pollMs,
      rescanMs: this.options.rescanMs,
      watch: this.options.watch,
      log: this.options.log,
    });
    this.scan();
  }

  /** Stops watching and closes every connection. No events follow. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.stopping.abort(new Error("monitor stopped"));
    this.watcher?.close();
    for (const entry of this.allEntries()) {
      entry.abort.abort(new Error("monitor stopped"));
      if (entry.host.client) closeQuietly(entry.host.client);
    }
    this.entries.clear();
    this.listeners.clear();
  }

  /** Every host known now, in a stable order (by path, then PID). */
  hosts(): TrackedHost<C>[] {
    return this.allEntries()
      .map((entry) => ({ ...entry.host }))
      .sort(byPathThenPid);
  }

  /** Subscribes to an event; returns the function that unsubscribes. */
  on(event: MonitorEvent, listener: MonitorListener<C>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /**
   * Asks for a scan. It runs in a microtask: a burst of file events (a host writes its
   * sidecar, then binds its socket) costs one scan, and no time.
   */
  rescan(): void {
    if (!this.running || this.scanQueued) return;
    this.scanQueued = true;
    queueMicrotask(() => {
      this.scanQueued = false;
      this.scan();
    });
  }

  private scan(): void {
    if (!this.running) return;
    try {
      this.scanOnce();
    } catch (error) {
      this.options.log?.(`scan failed: ${String(error)}`);
    }
  }

  /** Synchronous (see scan.ts), so scans never overlap. */
  private scanOnce(): void {
    // A folder that cannot be read now (EMFILE, EACCES) says nothing about its hosts.
    const unreadable = new Set<string>();
    const listed = this.dirs.flatMap((dir) => {
      try {
        return listCandidates(dir);
      } catch (error) {
        unreadable.add(dir);
        this.options.log?.(`cannot read ${dir}: ${String(error)}`);
        return [];
      }
    });
    const sockets = new Set<string>();
    for (const candidate of listed) {
      if (candidate.socket !== "socket") {
        // A plain file, or a sidecar whose host is starting or died: the sweep tells which.
        this.requestSweep(candidate);
        continue;
      }
      sockets.add(candidate.socketPath);
      const entry = this.entry(candidate);
      if (!entry) this.add(candidate);
      // A failed host is tried again on each scan. (attempt() cannot reject: reachHost
      // reports every failure as an outcome.)
      else if (!entry.attempting && entry.host.status !== "live") void this.attempt(entry);
    }
    for (const entry of this.allEntries()) {
      const { dir } = entry.candidate;
      if (!sockets.has(entry.host.socketPath) && !unreadable.has(dir)) this.remove(entry);
    }
  }

  private add(candidate: Candidate): void {
    const entry: Entry<C> = {
      host: {
        socketPath: candidate.socketPath,
        hash: candidate.hash,
        pid: candidate.pid,
        sidecar: withSidecar(candidate).sidecar,
        status: "connecting",
      },
      candidate,
      attempting: false,
      abort: new AbortController(),
    };
    let byPath = this.entries.get(candidate.hash);
    if (!byPath) this.entries.set(candidate.hash, (byPath = new Map()));
    byPath.set(candidate.socketPath, entry);
    this.emit("added", entry);
    // Cannot reject: reachHost reports every failure as an outcome.
    void this.attempt(entry);
  }

  private async attempt(entry: Entry<C>): Promise<void> {
    entry.attempting = true;
    const reach = await reachHost(entry.candidate, {
      connect: this.connect,
      clock: this.clock,
      timeoutMs: this.options.timeoutMs,
      policy: this.options.policy,
      signal: entry.abort.signal,
      onServiceChange: (change) => this.serviceChanged(entry, change),
    });
    entry.attempting = false;
    switch (reach.outcome) {
      case "live": {
        const { client, info, services } = reach.handshake;
        client.onClose(() => this.lost(entry, client));
        // A sidecar unreadable when the socket was found has had time to be written since.
        const sidecar = entry.host.sidecar ?? withSidecar(entry.candidate).sidecar;
        this.update(entry, { status: "live", client, info, services, sidecar, error: undefined });
        return;
      }
      case "orphan":
        // Left as `connecting`; the sweep deletes its files and the rescan then removes it.
        this.requestSweep(entry.candidate);
        return;
      case "missing":
        this.rescan();
        return;
      case "unresponsive":
        this.update(entry, { status: "unresponsive", error: describe(reach.error) });
        return;
      case "aborted":
        return;
    }
  }

  /** The connection closed: the host is leaving (its socket goes) or restarted its server. */
  private lost(entry: Entry<C>, client: C): void {
    if (entry.host.client !== client || entry.abort.signal.aborted) return;
    if (inspectStem(entry.candidate.dir, entry.candidate.stem).socket !== "socket") {
      return this.remove(entry);
    }
    this.update(entry, { status: "connecting", client: undefined });
    // Cannot reject, as above.
    void this.attempt(entry);
  }

  private serviceChanged(entry: Entry<C>, change: ServiceChangedParams): void {
    if (entry.abort.signal.aborted) return;
    const services = [...(entry.host.services ?? [])];
    const at = services.findIndex((s) => s.name === change.service.name);
    if (at === -1) services.push(change.service);
    else services[at] = change.service;
    // Before the first answer there is no list to patch: the answer will hold the change.
    if (entry.host.status === "live") this.update(entry, { services });
  }

  private remove(entry: Entry<C>): void {
    if (entry.abort.signal.aborted) return;
    entry.abort.abort(new Error("host gone"));
    const byPath = this.entries.get(entry.host.hash);
    byPath?.delete(entry.host.socketPath);
    if (byPath?.size === 0) this.entries.delete(entry.host.hash);
    if (entry.host.client) closeQuietly(entry.host.client);
    entry.host = { ...entry.host, status: "gone", client: undefined };
    this.emit("removed", entry);
  }

  private update(entry: Entry<C>, patch: Partial<TrackedHost<C>>): void {
    if (entry.abort.signal.aborted) {
      if (patch.client) closeQuietly(patch.client);
      return;
    }
    const keys = Object.keys(patch) as (keyof TrackedHost<C>)[];
    // A retry that fails the same way again is no change.
    if (keys.every((key) => entry.host[key] === patch[key])) return;
    entry.host = { ...entry.host, ...patch };
    this.emit("changed", entry);
  }

  /** Queues a candidate for the orphan sweep; one sweep runs at a time, taking all queued. */
  private requestSweep(candidate: Candidate): void {
    this.sweepQueue.set(candidate.socketPath, candidate);
    // Cannot reject: sweepQueued() logs a failed sweep.
    if (!this.sweeping) void this.drainSweeps();
  }

  private async drainSweeps(): Promise<void> {
    this.sweeping = true;
    try {
      await this.sweepQueued();
    } finally {
      this.sweeping = false;
    }
  }

  private async sweepQueued(): Promise<void> {
    while (this.sweepQueue.size > 0 && this.running) {
      const batch = [...this.sweepQueue.values()].map(withSidecar);
      this.sweepQueue.clear();
      try {
        const swept = await sweepOrphans(batch, {
          clock: this.clock,
          recheckMs: this.options.recheckMs,
          signal: this.stopping.signal,
          log: this.options.log,
        });
        // The deletions are seen by the watch too; a scan makes sure (polling, fallback dirs).
        if (swept.length > 0) this.rescan();
      } catch (error) {
        if (!this.running) return;
        this.options.log?.(`orphan clean-up failed: ${String(error)}`);
      }
    }
  }

  private entry(candidate: Candidate): Entry<C> | undefined {
    return this.entries.get(candidate.hash)?.get(candidate.socketPath);
  }

  private allEntries(): Entry<C>[] {
    return [...this.entries.values()].flatMap((byPath) => [...byPath.values()]);
  }

  private emit(event: MonitorEvent, entry: Entry<C>): void {
    const snapshot = { ...entry.host };
    for (const listener of this.listeners.get(event) ?? []) {
      try {
        listener(snapshot);
      } catch (error) {
        // A listener's bug must not leave the monitor half-updated; it still surfaces.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
