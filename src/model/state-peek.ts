import { readFileSync } from "node:fs";
import { join } from "node:path";
import { STATE_FILE, type ProjectState } from "./state.js";

/**
 * The project's saved state read as it is, for faces that only look (`berth logs`, the MCP
 * server): never moved aside, never written. Undefined when missing or unreadable.
 *
 * @example
 * const secret = peekState(projectDir)?.instance?.secret;
 */
export function peekState(projectDir: string): Partial<ProjectState> | undefined {
  try {
    const parsed: unknown = JSON.parse(
      readFileSync(join(projectDir, ".berth", STATE_FILE), "utf8"),
    );
    return typeof parsed === "object" && parsed !== null
      ? (parsed as Partial<ProjectState>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The instance secret, to mask it in what is shown; undefined when there is none yet. */
export function peekSecret(projectDir: string): string | undefined {
  const secret = peekState(projectDir)?.instance?.secret;
  return typeof secret === "string" && secret !== "" ? secret : undefined;
}
