import { durationText } from "../duration-text.js";
import { isVersion } from "../config/binary.js";
import type { NormalizedBinary } from "../config/normalized.js";
import { BerthError } from "../errors.js";
import { describe } from "../config/issues.js";
import { bodyHint, fetchWithProxy, networkProblem, USER_AGENT } from "./network.js";

/** The latest-version lookup runs on every start, so it must not hold one up for long. */
export const LATEST_TIMEOUT_MS = 5_000;

export type BinaryLog = (level: "info" | "warn", text: string) => void;

export interface ResolveVersionOptions {
  /** The version this project used last time (state.json's `binaries[name]`). */
  installedVersion?: string;
  /** Use `installedVersion` without looking up the latest (a quick `berth exec`). */
  preferInstalled?: boolean;
  log: BinaryLog;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/**
 * The exact version to use: the pinned one, or for `"latest"` the version the `latest` URL
 * answers with. When that lookup fails (offline, server down, an answer that is not a
 * version) the version this project used last time is kept, with a warning.
 *
 * @example await resolveVersion(spec, { installedVersion: state.binaries?.[spec.name], log })
 * @throws BerthError `BINARY_VERSION_UNKNOWN` when the lookup fails and nothing is installed.
 */
export async function resolveVersion(
  spec: NormalizedBinary,
  options: ResolveVersionOptions,
): Promise<string> {
  if (spec.version !== "latest") return spec.version;
  const installed = options.installedVersion;
  if (options.preferInstalled && installed !== undefined) return installed;
  const url = spec.latest!;
  const found = await lookupLatest(url, options.timeoutMs ?? LATEST_TIMEOUT_MS, options.signal);
  if ("version" in found) return found.version;
  if (options.signal?.aborted) throw options.signal.reason;
  if (installed !== undefined) {
    options.log(
      "warn",
      `Could not look up the latest version of ${spec.name} at ${url} (${found.problem}); using ${installed}, the version this project used last time.`,
    );
    return installed;
  }
  throw new BerthError(
    "BINARY_VERSION_UNKNOWN",
    `Could not look up the latest version of ${spec.name} at ${url}: ${found.problem}; and this project has no version of it installed yet. ` +
      `Pin a version in the config (binary.version: "1.2.3"), or run again once ${new URL(url).host} can be reached.`,
    { cause: found.cause },
  );
}

type Lookup = { version: string } | { problem: string; cause?: unknown };

async function lookupLatest(url: string, timeoutMs: number, signal?: AbortSignal): Promise<Lookup> {
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetchWithProxy(url, {
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      headers: { "user-agent": USER_AGENT, accept: "application/json, text/plain;q=0.9" },
    });
    if (!response.ok) {
      return {
        problem: `the server answered ${response.status} ${response.statusText}${await bodyHint(response)}`,
      };
    }
    return parseLatest(await response.text());
  } catch (error) {
    if (timeout.aborted)
      return { problem: `no answer within ${durationText(timeoutMs)}`, cause: error };
    return { problem: networkProblem(error), cause: error };
  }
}

/**
 * Reads a version from a `latest` answer: plain text (`1.4.2`), or JSON with `version` or
 * `tag_name` (GitHub's releases API); a leading `v` before a digit is dropped.
 *
 * @example parseLatest('{"tag_name":"v1.4.2"}') // { version: "1.4.2" }
 */
export function parseLatest(body: string): Lookup {
  const text = body.trim();
  let raw: unknown = text.split(/\r?\n/)[0]?.trim();
  if (text.startsWith("{")) {
    try {
      const json = JSON.parse(text) as Record<string, unknown>;
      raw = json.version ?? json.tag_name;
    } catch {
      return { problem: "the answer looks like JSON but does not parse" };
    }
    if (raw === undefined) {
      return { problem: "the JSON answer has neither a `version` nor a `tag_name` field" };
    }
  }
  const version = typeof raw === "string" ? raw.replace(/^v(?=\d)/, "") : raw;
  if (isVersion(version) && version !== "latest") return { version };
  return { problem: `the answer is not a version: ${describe(version)}` };
}
