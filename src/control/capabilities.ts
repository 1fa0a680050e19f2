/**
 * Capability negotiation. Capabilities are strings (`berth.v1`, later `berth.v2`, …), so an
 * old client and a new host, or the reverse, find out what they share instead of failing
 * on the first unknown field.
 */
import { ControlConnectError, ControlError } from "./errors.js";
import { CAPABILITIES, RpcErrorCode } from "./codes.js";
import type { GetCapabilitiesResult } from "./protocol.js";

/** The one capability every method of protocol.ts needs today. */
export const V1 = "berth.v1";

/**
 * What this host and a client share: the host's capabilities the client listed, in the
 * host's order. A client that lists nothing is taken to understand all of them.
 *
 * @example
 * negotiate(["berth.v1", "berth.v9"]); // ["berth.v1"]
 */
export function negotiate(offered: unknown): string[] {
  if (!Array.isArray(offered)) return [...CAPABILITIES];
  return CAPABILITIES.filter((capability) => offered.includes(capability));
}

/** Throws `capabilityRequired` unless the session negotiated what `method` needs. */
export function requireCapability(method: string, negotiated: readonly string[] | undefined): void {
  if (!negotiated) {
    throw new ControlError(
      RpcErrorCode.capabilityRequired,
      `call getCapabilities before ${method}: every session starts by negotiating capabilities`,
    );
  }
  if (!negotiated.includes(V1)) {
    throw new ControlError(
      RpcErrorCode.capabilityRequired,
      `${method} needs ${V1}, which this session did not negotiate`,
    );
  }
}

/** The error both clients give a host that shares no capability with this berth. */
export function incompatible(
  socketPath: string,
  result: GetCapabilitiesResult,
): ControlConnectError {
  return new ControlConnectError(
    "incompatible",
    socketPath,
    `the app host at ${socketPath} (berth ${result.version}) offers ` +
      `${result.capabilities.join(", ") || "nothing"}, and this berth needs ${V1}: ` +
      `use the same berth version for both`,
  );
}
