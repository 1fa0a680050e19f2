/**
 * What each method of protocol.ts does on the host's side of a connection: check the
 * params, ask the target, mask what goes back, and put errors in the wire's words.
 *
 * Capabilities are strings (`berth.v1`, later `berth.v2`, …), so an old client and a new
 * host, or the reverse, find out what they share instead of failing on the first unknown
 * field; each session starts with `getCapabilities`, and nothing else is answered before.
 */
import {
  ErrorCodes,
  ResponseError,
  type CancellationToken,
  type MessageConnection,
  type RequestType,
} from "vscode-jsonrpc/node";
import type { Clock } from "../clock.js";
import { isBerthError } from "../errors.js";
import { CAPABILITIES, HOLD, RpcErrorCode, V1 } from "./codes.js";
import { ControlError, REQUEST_CANCELLED } from "./errors.js";
import type { Feeds } from "./feeds.js";
import type { Masks } from "./mask.js";
import { count, optionalService, requiredService, states, type Params } from "./params.js";
import * as p from "./protocol.js";
import type { ControlTarget } from "./target.js";
import { waitForState } from "./wait.js";

const DEFAULT_TAIL = 100;

/** What the handlers reach of their connection and of the host. */
export interface MethodContext {
  readonly target: ControlTarget;
  readonly clock: Clock;
  readonly masks: Masks;
  /** This connection's notifications. */
  readonly feeds: Feeds;
  /** Aborted when the connection ends (its reason is what pending waits answer). */
  readonly signal: AbortSignal;
  log(message: string): void;
  /** Runs `action` once the answer being made is written. */
  afterAnswer(action: () => void): void;
  /** This connection holds the host (`holdHost`): it is in use, not idle. */
  held(): void;
  /** Who the client says it is, for the log. */
  client: string;
  /** What the client negotiated; undefined before `getCapabilities`. */
  capabilities?: string[];
}

/** Registers a handler for every method of protocol.ts on `connection`. */
export function serveMethods(connection: MessageConnection, ctx: MethodContext): void {
  const { target, masks } = ctx;
  const handle = <P, R>(
    type: RequestType<P, R, void>,
    run: (params: Params, token: CancellationToken) => R | Promise<R>,
  ) =>
    connection.onRequest<P, R, void>(type, (async (params: P, token: CancellationToken) => {
      try {
        if (type !== p.getCapabilities) {
          requireCapability(type.method, type === p.holdHost ? HOLD : V1, ctx.capabilities);
        }
        // Left out, params are `{}` (the session sees to it); a list is refused by the library.
        return await run(params as Params, token);
      } catch (error) {
        throw toWireError(ctx, type.method, error);
      }
    }) as never);
  const describe = () => ({
    host: target.info(),
    services: target.services().map((service) => masks.service(service)),
  });
  const logs = (method: string, params: Params) =>
    target
      .logs(optionalService(method, params), count(method, params, "tail", DEFAULT_TAIL))
      .map((entry) => ({ ...entry, text: masks.text(entry.text) }));
  const action = (type: typeof p.startService, run: (name: string) => Promise<p.ServiceInfo>) =>
    handle(type, async (params) => ({
      service: masks.service(await run(requiredService(type.method, params))),
    }));

  connection.onRequest((method) => {
    throw new ResponseError(ErrorCodes.MethodNotFound, `this app host has no method ${method}`);
  });
  handle(p.getCapabilities, (params) => negotiate(ctx, params));
  handle(p.describeHost, describe);
  handle(p.watchServices, () => {
    ctx.feeds.watch();
    return describe();
  });
  handle(p.getLogs, (params) => ({ lines: logs(p.getLogs.method, params) }));
  handle(p.followLogs, (params) => {
    // Lines first, then the subscription, in one turn: none is missed or repeated.
    const lines = logs(p.followLogs.method, params);
    ctx.feeds.follow(optionalService(p.followLogs.method, params));
    return { lines };
  });
  action(p.startService, (name) => target.startService(name));
  action(p.stopService, (name) => target.stopService(name));
  action(p.restartService, (name) => target.restartService(name));
  handle(p.waitForService, async (params, token) => {
    const method = p.waitForService.method;
    const cancelled = new AbortController();
    const listener = token.onCancellationRequested(() =>
      cancelled.abort(new ControlError(REQUEST_CANCELLED, `${method} was cancelled`)),
    );
    try {
      const info = await waitForState({
        target,
        clock: ctx.clock,
        service: requiredService(method, params),
        states: states(method, params),
        timeoutMs: count(method, params, "timeoutMs", p.DEFAULT_WAIT_MS),
        signal: AbortSignal.any([ctx.signal, cancelled.signal]),
      });
      return { service: masks.service(info) };
    } finally {
      listener.dispose();
    }
  });
  handle(p.holdHost, (params) => {
    const holder = typeof params.holder === "string" ? params.holder.slice(0, 200) : ctx.client;
    target.hold(holder, ctx.signal);
    ctx.held();
    return { held: true as const };
  });
  handle(p.stopHost, () => {
    ctx.afterAnswer(() => target.stopHost());
    return { stopping: true as const };
  });
}

/**
 * Shares with the client the host's capabilities it listed, in the host's order; a client
 * that lists nothing is taken to understand all of them.
 */
function negotiate(ctx: MethodContext, params: Params): p.GetCapabilitiesResult {
  const offered = Array.isArray(params.capabilities) ? (params.capabilities as unknown[]) : null;
  ctx.capabilities = CAPABILITIES.filter((capability) => !offered || offered.includes(capability));
  if (typeof params.client === "string") ctx.client = params.client.slice(0, 200);
  const shared = ctx.capabilities.join(", ") || "nothing";
  ctx.log(
    `control: ${ctx.client} connected (offers ${offered?.join(", ") ?? "nothing"}; shares ${shared})`,
  );
  return { capabilities: [...ctx.capabilities], version: ctx.target.info().version };
}

/** Throws `capabilityRequired` unless the session negotiated what `method` needs. */
function requireCapability(method: string, needs: string, negotiated?: readonly string[]): void {
  if (negotiated?.includes(needs)) return;
  const message = negotiated
    ? `${method} needs ${needs}, which this session did not negotiate`
    : `call getCapabilities before ${method}: every session starts by negotiating capabilities`;
  throw new ControlError(RpcErrorCode.capabilityRequired, message);
}

/** A thrown error as the client receives it, masked; an unexpected one goes to the log. */
function toWireError(ctx: MethodContext, method: string, error: unknown): ResponseError<unknown> {
  if (error instanceof ResponseError) return error;
  if (error instanceof ControlError) {
    return new ResponseError(error.code, ctx.masks.text(error.message), error.data);
  }
  // A user-facing error from the host (a taken port, say) keeps its words and its code.
  if (isBerthError(error)) {
    const data = { code: error.code };
    return new ResponseError(RpcErrorCode.invalidState, ctx.masks.text(error.message), data);
  }
  ctx.log(`control: ${method} failed: ${(error as Error)?.stack ?? String(error)}`);
  const message = `${method} failed inside the app host; its log has the details`;
  return new ResponseError(ErrorCodes.InternalError, message);
}
