/**
 * Readiness: when is a started service really up. `waitUntilReady` is what the supervisor
 * calls; the probes and the schedule are exported for benchmarks and tests.
 */
export { waitUntilReady, type WaitReadyOptions, type WaitingNotice } from "./wait-ready.js";
export { describeCheck } from "./describe.js";
export { probeDelay } from "./schedule.js";
export type { LogSubscribe } from "./log-watch.js";
export type { ProbeOptions, ProbeResult } from "./probes/probe.js";
export { probeTcp } from "./probes/tcp.js";
export { probeHttp, type HttpTarget } from "./probes/http.js";
export { probeCommand, type CommandProbeOptions } from "./probes/command.js";
