import {
  ControlClosedError,
  ControlConnectError,
  ControlError,
  UnresponsiveError,
} from "../control/errors.js";
import { isBerthError } from "../errors.js";
import { appHostPathOf, type TrackedHost } from "../monitor/tracked.js";

/**
 * How failures reach an agent: as a tool result with `isError` (the MCP convention), whose
 * text says what happened and which tool (or command) to use next. Protocol errors are
 * left for what the SDK itself refuses (an unknown tool, arguments off the schema).
 */

/** An error whose message is written for an agent; `code` is stable, `details` are lines. */
export class ToolError extends Error {
  override readonly name = "ToolError";

  constructor(
    readonly code: string,
    message: string,
    readonly details: string[] = [],
  ) {
    super(message);
  }
}

/** What a control call's failure means for the agent, naming the host it was sent to. */
export function hostCallError(host: TrackedHost, error: unknown): ToolError {
  const where = `the app host for ${appHostPathOf(host) ?? host.socketPath} (pid ${host.pid})`;
  if (error instanceof UnresponsiveError || error instanceof ControlConnectError) {
    return new ToolError(
      "HOST_UNRESPONSIVE",
      `${where} does not answer (${error.message}). It may be hung or stopped (SIGSTOP). ` +
        `Stop it with stop_project (it is signalled when it does not answer), then start_project.`,
    );
  }
  if (error instanceof ControlClosedError) {
    return new ToolError(
      "HOST_GONE",
      `${where} closed the connection before answering: it is probably stopping. ` +
        "Call list_app_hosts to see what runs now.",
    );
  }
  if (error instanceof ControlError) {
    return new ToolError("HOST_REFUSED", `${where} answered: ${error.message}`);
  }
  return toToolError(error);
}

/** Any thrown value as a `ToolError` (berth's own user errors keep their code and lines). */
export function toToolError(error: unknown): ToolError {
  if (error instanceof ToolError) return error;
  if (isBerthError(error)) return new ToolError(error.code, error.message, error.details);
  if (error instanceof ControlError) return new ToolError("HOST_REFUSED", error.message);
  return new ToolError("INTERNAL", error instanceof Error ? error.message : String(error));
}
