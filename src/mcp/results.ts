import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { toToolError } from "./errors.js";

/** What a tool answers: text for the model to read, and the same as structured content. */
export interface ToolAnswer {
  text: string;
  data: Record<string, unknown>;
  /** A result that is a failure of what was asked (a service that failed to start). */
  isError?: boolean;
}

/** A tool's answer as MCP sends it: text content plus structured content. */
export function toResult(answer: ToolAnswer): CallToolResult {
  return {
    content: [{ type: "text", text: answer.text }],
    structuredContent: answer.data,
    ...(answer.isError ? { isError: true } : {}),
  };
}

/** A failure as a tool result with `isError`, its message and lines for the agent to act on. */
export function errorResult(error: unknown): CallToolResult {
  const { code, message, details } = toToolError(error);
  const text = details.length ? `${message}\n${details.map((d) => `  ${d}`).join("\n")}` : message;
  return {
    content: [{ type: "text", text }],
    structuredContent: { error: { code, message, details } },
    isError: true,
  };
}

/** Runs a tool's body; whatever it throws becomes an `isError` result, never a crash. */
export async function answer(run: () => Promise<ToolAnswer> | ToolAnswer): Promise<CallToolResult> {
  try {
    return toResult(await run());
  } catch (error) {
    return errorResult(error);
  }
}
