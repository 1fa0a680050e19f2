/**
 * The monitor: finds, connects to and tracks running app hosts (DESIGN.md, "monitor").
 * CLI commands use `listHosts` + `selectHost`; long-lived faces (MCP server, dashboard)
 * use `Monitor`.
 *
 * @example
 * const hosts = await listHosts();
 * const host = requireLive(selectHost(hosts, { cwd: process.cwd(), apphost, pid }));
 */
export { Backoff, RECONNECT_POLICY, retryWithBackoff, type BackoffPolicy } from "./backoff.js";
export {
  failureKind,
  handshake,
  type ConnectFn,
  type ConnectOptions,
  type FailureKind,
  type HostConnection,
} from "./connection.js";
export { listHosts, type ListHostsOptions } from "./list.js";
export {
  Monitor,
  type MonitorEvent,
  type MonitorListener,
  type MonitorOptions,
} from "./monitor.js";
export {
  judgeCandidate,
  sweepOrphans,
  type OrphanReason,
  type OrphanVerdict,
  type SweptOrphan,
} from "./orphans.js";
export { scanHosts, type Candidate, type InspectedCandidate } from "./scan.js";
export {
  describeHost,
  inScope,
  isInside,
  requireLive,
  unresponsiveError,
  selectHost,
  type SelectableHost,
  type SelectOptions,
} from "./select.js";
export { appHostPathOf, type HostStatus, type TrackedHost } from "./tracked.js";
