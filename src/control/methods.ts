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
import type { ControlTarget, Masks } from "./target.js";
import { waitForState } from "./wait.js";

const DEFAULT_TAIL = 100;
const DEFAULT_WAIT_MS = 30_000;

/** What a handler reaches of its connection (the session) and of the host. */
export interface MethodContext {
  readonly target: ControlTarget;
  readonly clock: Clock;
  /** This connection's notifications (made on first use). */
  readonly feeds: Feeds;
  /** The instance secret, masked in what is sent. */
  readonly masks: Masks;
  negotiate(params: Params): p.GetCapabilitiesResult;
  /** Aborted when the connection ends (the reason is what pending waits answer with). */
  readonly signal: AbortSignal;
  /** Runs `action` once everything queued so far, this answer included, is written. */
  afterReply(action: () => void): void;
  /** The client will ask nothing more: answer what was read, then close the connection. */
  closeWhenAnswered(): void;
}

export type Handler = (ctx: MethodContext, params: Params, token: CancellationToken) => unknown;

const services = (ctx: MethodContext) => ctx.target.services().map((s) => ctx.masks.service(s));
const logs = (ctx: MethodContext, method: string, params: Params) =>
  ctx.target
    .logs(optionalService(method, params), count(method, params, "tail", DEFAULT_TAIL))
    .map((entry) => ctx.masks.entry(entry));
const action =
  (method: string, run: (target: ControlTarget, name: string) => Promise<p.ServiceInfo>): Handler =>
  async (ctx, params) => ({
    service: ctx.masks.service(await run(ctx.target, requiredService(method, params))),
  });

/**
 * Every method's handler, by name. One table for every connection: most connections ask
 * one question and go, so none builds its own.
 */
export const METHODS: ReadonlyMap<string, Handler> = new Map<string, Handler>([
  [
    p.getCapabilities.method,
    (ctx, params) => {
      const result = ctx.negotiate(params);
      if (params.close === true) ctx.closeWhenAnswered();
      const include = Array.isArray(params.include) ? params.include : [];
      if (!result.capabilities.includes(V1) || include.length === 0) return result;
      return {
        ...result,
        ...(include.includes("hostInfo") ? { hostInfo: ctx.target.info() } : {}),
        ...(include.includes("services") ? { services: services(ctx) } : {}),
      };
    },
  ],
  [p.getHostInfo.method, (ctx) => ctx.target.info()],
  [p.listServices.method, (ctx) => ({ services: services(ctx) })],
  [
    p.watchServices.method,
    (ctx) => {
      ctx.feeds.watch();
      return { services: services(ctx) };
    },
  ],
  [p.getLogs.method, (ctx, params) => ({ lines: logs(ctx, p.getLogs.method, params) })],
  [
    p.followLogs.method,
    (ctx, params) => {
      // Lines first, then the subscription, in one turn: none is missed or repeated.
      const lines = logs(ctx, p.followLogs.method, params);
      ctx.feeds.follow(optionalService(p.followLogs.method, params));
      return { lines };
    },
  ],
  [p.startService.method, action(p.startService.method, (t, name) => t.startService(name))],
  [p.stopService.method, action(p.stopService.method, (t, name) => t.stopService(name))],
  [p.restartService.method, action(p.restartService.method, (t, name) => t.restartService(name))],
  [
    p.waitForService.method,
    async (ctx, params, token) => {
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
          target: ctx.target,
          clock: ctx.clock,
          service,
          states: wanted,
          timeoutMs,
          signal: AbortSignal.any([ctx.signal, cancelled.signal]),
        });
        return { service: ctx.masks.service(info) };
      } finally {
        listener.dispose();
      }
    },
  ],
  [
    p.stopHost.method,
    (ctx) => {
      ctx.afterReply(() => ctx.target.stopHost());
      return { stopping: true };
    },
  ],
]);
