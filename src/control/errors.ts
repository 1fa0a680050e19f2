/**
 * The errors of the control socket. `ControlError` is the one that crosses the wire (a
 * numeric JSON-RPC code); the others stay in the client's process and tell its caller
 * why no answer came: the socket was not there, the host never answered, or the
 * connection went away.
 */

/** The code LSP gives a request that was cancelled; the host uses it for a cancelled wait. */
export const REQUEST_CANCELLED = -32800;

/**
 * An error a host answers with: one of `RpcErrorCode` (or a standard JSON-RPC code such as
 * -32601 "method not found") and a message meant for the user. The control target throws
 * it; the server sends it; the client rejects with it.
 *
 * @example
 * throw new ControlError(RpcErrorCode.serviceNotFound, 'no service named "apu"; did you mean "api"?');
 */
export class ControlError extends Error {
  override readonly name = "ControlError";

  constructor(
    readonly code: number,
    message: string,
    /** Extra, machine-readable detail that crosses the wire with the error. */
    readonly data?: unknown,
  ) {
    super(message);
  }
}

/**
 * Why a connection could not be made: no socket file (`missing`), nobody listening
 * (`refused`), not ours (`denied`), too slow (`timeout`), no capability in common
 * (`incompatible`), anything else (`failed`).
 */
export type ConnectFailure =
  "missing" | "refused" | "denied" | "timeout" | "incompatible" | "failed";

/** Connecting to a control socket failed before any session existed. */
export class ControlConnectError extends Error {
  override readonly name = "ControlConnectError";

  constructor(
    readonly kind: ConnectFailure,
    readonly socketPath: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The host accepted the connection but did not answer a call within its timeout. */
export class UnresponsiveError extends Error {
  override readonly name = "UnresponsiveError";

  constructor(
    readonly socketPath: string,
    readonly method: string,
    readonly timeoutMs: number,
  ) {
    super(
      `the app host at ${socketPath} did not answer ${method} within ${timeoutMs} ms; ` +
        `it may be hung: check its process, or stop it with \`berth stop\``,
    );
  }
}

/** The connection closed (by either end) while a call was pending, or a call came after. */
export class ControlClosedError extends Error {
  override readonly name = "ControlClosedError";

  constructor(
    readonly socketPath: string,
    readonly method: string,
    options?: { cause?: unknown },
  ) {
    super(
      `the connection to the app host at ${socketPath} closed before it answered ${method}`,
      options,
    );
  }
}
