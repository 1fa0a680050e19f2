/**
 * The protocol's plain values, apart from protocol.ts: the errors and the CLI need the
 * codes, and importing them must not load the JSON-RPC library (which protocol.ts does
 * for its method descriptors) in a command that never opens a connection.
 */

/** The one capability every method of protocol.ts needs today. */
export const V1 = "berth.v1";

/** `holdHost`: a client keeps a host that `berth exec` started up while it uses it. */
export const HOLD = "berth.hold";

/** Capabilities are strings, so old clients and new hosts keep working. */
export const CAPABILITIES = [V1, HOLD] as const;

/** Errors that cross the wire: numeric JSON-RPC codes in −32099..−32000. */
export const RpcErrorCode = {
  /** No service by that name. */
  serviceNotFound: -32001,
  /** The request cannot be done in the service's (or host's) current state. */
  invalidState: -32002,
  /** A wait ran out of time. */
  timeout: -32003,
  /** The host is stopping and takes no more commands that start anything. */
  shuttingDown: -32004,
  /** The client has not negotiated a capability the method needs. */
  capabilityRequired: -32005,
} as const;
