import type { HostInfo, ServiceInfo } from "../../control/protocol.js";
import type { PageLogBatch, PageLogEvent } from "../event-stream.js";
import type { PageLogLine } from "../recent-logs.js";

export type { HostInfo, PageLogBatch, PageLogEvent, PageLogLine, ServiceInfo };

/** A JSON call to the host; an answer that is not 2xx throws with the host's message. */
export async function api<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(path, init);
  const body = (await response.json()) as T & { error?: string };
  if (!response.ok) throw new Error(body.error ?? response.statusText);
  return body;
}

/** How long ago an ISO time was, as a person says it. */
export function since(iso: string | null, now = Date.now()): string {
  if (!iso) return "";
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
