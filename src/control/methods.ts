/**
 * What each method of protocol.ts does on the host's side of one connection: check the
 * params, ask the target, mask what goes back. The session around it handles capability
 * gating, errors and the connection's life.
 */
import type { CancellationToken } from "vscode-jsonrpc/node";
import type { Clock } from "../clock.js";
import { V1 } from "./capabilities.js";
import { ControlError, REQUEST_CANCELLED } from "./errors.js";
import type { Feeds } from "./feeds.js";
import { count, optionalService, requiredService, states, type Params } from "./params.js";
import * as p from "./protocol.js";
import type { ControlTarget } from "./target.js";
import { waitForState } from "./wait.js";

const DEFAULT_TAIL = 100;
const DEFAULT_WAIT_MS = 30_000;

export interface MethodContext {
  target: ControlTarget;
  clock: Clock;
  feeds: Feeds;
  maskService: (info: p.ServiceInfo) => p.ServiceInfo;
  maskEntry: (entry: p.LogEntry) => p.LogEntry;
  negotiate: (params: Params) => p.GetCapabilitiesResult;
  /** Aborted when the connection ends (the reason is what pending waits answer with). */
  signal: AbortSignal;
  /** Runs `action` once everything queued so far, this answer included, is written. */
  afterReply: (action: () => void) => void;
}

export type Handler = (params: Params, token: CancellationToken) => unknown;

/** The handlers of one connection, by method name. */
export function methodTable(ctx: MethodContext): Map<string, Handler> {
  const { target } = ctx;
  const services = () => target.services().map(ctx.maskService);
  const logs = (method: string, params: Params) =>
    target
      .logs(optionalService(method, params), count(method, params, "tail", DEFAULT_TAIL))
      .map(ctx.maskEntry);
  const action =
    (method: string, run: (name: string) => Promise<p.ServiceInfo>): Handler =>
    async (params) => ({ service: ctx.maskService(await run(requiredService(method, params))) });

  return new Map<string, Handler>([
    [
      p.getCapabilities.method,
      (params) => {
        const result = ctx.negotiate(params);
        const include = Array.isArray(params.include) ? params.include : [];
        if (!result.capabilities.includes(V1) || include.length === 0) return result;
        return {
          ...result,
          ...(include.includes("hostInfo") ? { hostInfo: target.info() } : {}),
          ...(include.includes("services") ? { services: services() } : {}),
        };
      },
    ],
    [p.getHostInfo.method, () => target.info()],
    [p.listServices.method, () => ({ services: services() })],
    [
      p.watchServices.method,
      () => {
        ctx.feeds.watch();
        return { services: services() };
      },
    ],
    [p.getLogs.method, (params) => ({ lines: logs(p.getLogs.method, params) })],
    [
      p.followLogs.method,
      (params) => {
        // Lines first, then the subscription, in one turn: none is missed or repeated.
        const lines = logs(p.followLogs.method, params);
        ctx.feeds.follow(optionalService(p.followLogs.method, params));
        return { lines };
      },
    ],
    [p.startService.method, action(p.startService.method, (name) => target.startService(name))],
    [p.stopService.method, action(p.stopService.method, (name) => target.stopService(name))],
    [
      p.restartService.method,
      action(p.restartService.method, (name) => target.restartService(name)),
    ],
    [
      p.waitForService.method,
      async (params, token) => {
        const method = p.waitForService.method;
        const service = requiredService(method, params);
        const wanted = states(method, params);
        const timeoutMs = count(method, params, "timeoutMs", DEFAULT_WAIT_MS);
        const cancelled = new AbortController();
        const listener = token.onCancellationRequested(() =>
          cancelled.abort(new ControlError(REQUEST_CANCELLED, `${method} was cancelled`)),
        );
        try {
          const info = await waitForState({
            target,
            clock: ctx.clock,
            service,
            states: wanted,
            timeoutMs,
            signal: AbortSignal.any([ctx.signal, cancelled.signal]),
          });
          return { service: ctx.maskService(info) };
        } finally {
          listener.dispose();
        }
      },
    ],
    [
      p.stopHost.method,
      () => {
        ctx.afterReply(() => target.stopHost());
        return { stopping: true };
      },
    ],
  ]);
}
