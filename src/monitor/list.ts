import { systemClock, type Clock } from "../clock.js";
import { scanDirs } from "../control/address.js";
import { activityOf } from "../platform/process-info.js";
import type { ControlClient } from "../control/client.js";
import { RECONNECT_POLICY, type BackoffPolicy } from "./backoff.js";
import {
  closeQuietly,
  SlowHostError,
  type ConnectOptions,
  type HostConnection,
} from "./connection.js";
import { sweepOrphans, type SweptOrphan } from "./orphans.js";
import { reachHost } from "./reach.js";
import { listAllCandidates, withSidecar, type Candidate } from "./scan.js";
import { byPathThenPid, type TrackedHost } from "./tracked.js";

/**
 * The one-shot view for CLI commands (`berth ps`, `stop`, `logs`…): scan, reach every host
 * at once, and return. Nothing is watched and nothing is left open unless asked.
 */

export interface ListHostsOptions<C extends HostConnection = ControlClient> {
  /** Opens a control connection (default `connectControl`; tests pass fakes). */
  connect?: (socketPath: string, options: ConnectOptions) => Promise<C>;
  /** Bound per host: a host that has not answered by then is `unresponsive` (default 2 s). */
  timeoutMs?: number;
  clock?: Clock;
  /** Folders to scan (default `scanDirs()`). */
  dirs?: string[];
  /** Only the hosts of this app host hash (one project): no other host is asked anything. */
  hash?: string;
  /** Back-off for refused connections; never beyond `timeoutMs` in all. */
  policy?: BackoffPolicy;
  /** Delete orphans found on the way (default true; costs one short re-check, only when some). */
  sweep?: boolean;
  /** Keep each live host's connection open in `host.client` (the caller closes them). */
  keepOpen?: boolean;
  /** Who is asking, for the hosts' logs (with the default `connect`). */
  client?: string;
  /** Delay before the second look at an orphan (75 ms). */
  recheckMs?: number;
  log?: (message: string) => void;
  /**
   * Tells a slow host from a hung one (default `activityOf`): a host still at work when its
   * time is up is waited on longer, so a machine loaded by hundreds of processes does not get
   * healthy hosts called unresponsive.
   */
  activity?: (pid: number) => () => boolean;
}

/**
 * Every app host with a socket, each `live` (with its info and services), `slow` or
 * `unresponsive` (with its sidecar, when readable); orphans are deleted and left out.
 * Hosts are reached in parallel.
 *
 * @example
 * const hosts = await listHosts({ timeoutMs: 2000 });
 * for (const host of hosts) console.log(host.info?.appHostPath, host.status);
 */
export async function listHosts<C extends HostConnection = ControlClient>(
  options: ListHostsOptions<C> = {},
): Promise<TrackedHost<C>[]> {
  const connect =
    options.connect ??
    (((socketPath: string, connectOptions: ConnectOptions) =>
      connectLazily(socketPath, {
        ...connectOptions,
        client: options.client,
      })) as unknown as Connect<C>);
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.timeoutMs ?? 2000;
  const policy = { ...(options.policy ?? RECONNECT_POLICY) };
  policy.giveUpAfterMs = Math.min(policy.giveUpAfterMs, timeoutMs);
  const sweeps: Promise<SweptOrphan[]>[] = [];
  const sweep = (candidate: Candidate) => {
    if (options.sweep === false) return;
    const swept = sweepOrphans([withSidecar(candidate)], {
      clock,
      recheckMs: options.recheckMs,
      log: options.log,
    });
    sweeps.push(swept.catch(() => []));
  };

  // Sidecars are read only where the host does not answer for itself: a live host's info
  // says the same, and fifty file reads are a good part of a listing.
  const candidates = listAllCandidates(options.dirs ?? scanDirs(), (dir, error) =>
    options.log?.(`cannot read ${dir}: ${String(error)}`),
  ).filter((candidate) => options.hash === undefined || candidate.hash === options.hash);
  const reached = await Promise.all(
    candidates.map(async (candidate): Promise<TrackedHost<C> | undefined> => {
      if (candidate.socket !== "socket") {
        sweep(candidate);
        return undefined;
      }
      const activity = options.activity ?? activityOf;
      const reach = await reachHost(candidate, {
        connect,
        clock,
        timeoutMs,
        policy,
        activity,
        lastQuestion: !options.keepOpen,
      });
      const host: TrackedHost<C> = {
        socketPath: candidate.socketPath,
        hash: candidate.hash,
        pid: candidate.pid,
        status: "unresponsive",
      };
      switch (reach.outcome) {
        case "live": {
          const { client, info, services } = reach.handshake;
          if (options.keepOpen) return { ...host, status: "live", info, services, client };
          closeQuietly(client);
          return { ...host, status: "live", info, services };
        }
        case "orphan":
          sweep(candidate);
          return undefined;
        case "unresponsive":
          return {
            ...host,
            status: reach.error instanceof SlowHostError ? "slow" : "unresponsive",
            sidecar: withSidecar(candidate).sidecar,
            error: reach.error instanceof Error ? reach.error.message : String(reach.error),
          };
        default:
          return undefined;
      }
    }),
  );
  await Promise.all(sweeps);
  return reached.filter((host) => host !== undefined).sort(byPathThenPid);
}

type Connect<C> = (socketPath: string, options: ConnectOptions) => Promise<C>;

/** `connectControl`, loaded on first use: a listing that finds no socket never needs it. */
async function connectLazily(
  socketPath: string,
  options: ConnectOptions & { client?: string },
): Promise<ControlClient> {
  const { connectControl } = await import("../control/client.js");
  return connectControl(socketPath, options);
}
