/**
 * Checks of what a client sent, field by field. Anything wrong is answered with the
 * standard "invalid params" code (-32602) and a message naming the field.
 */
import { ErrorCodes } from "vscode-jsonrpc/node";
import type { ServiceState } from "../supervisor/events.js";
import { ControlError } from "./errors.js";

export type Params = Record<string, unknown>;

const STATES = "pending starting ready completed restarting stopping stopped failed".split(" ");

function invalid(method: string, message: string): ControlError {
  return new ControlError(ErrorCodes.InvalidParams, `${method}: ${message}`);
}

export function requiredService(method: string, params: Params): string {
  const value = params.service;
  if (typeof value !== "string" || value === "") {
    throw invalid(method, "`service` must be the name of a service");
  }
  return value;
}

export function optionalService(method: string, params: Params): string | undefined {
  return params.service === undefined ? undefined : requiredService(method, params);
}

/** A non-negative integer field, or its default when left out. */
export function count(method: string, params: Params, field: string, fallback: number): number {
  const value = params[field];
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw invalid(method, `\`${field}\` must be a whole number of 0 or more, got ${String(value)}`);
  }
  return value;
}

export function states(method: string, params: Params): ServiceState[] {
  const value = params.states;
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    !value.every((s) => STATES.includes(s as string))
  ) {
    throw invalid(method, `\`states\` must be a non-empty list of: ${STATES.join(", ")}`);
  }
  return value as ServiceState[];
}
