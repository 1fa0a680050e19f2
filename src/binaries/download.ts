import { createHash } from "node:crypto";
import { open, rm } from "node:fs/promises";
import { durationText } from "../duration-text.js";
import { systemClock, type Clock } from "../clock.js";
import { BerthError } from "../errors.js";
import { formatBytes } from "./bytes.js";
import { bodyHint, fetchWithProxy, networkProblem, USER_AGENT } from "./network.js";
import { progressBar } from "./progress.js";

/** A transfer with no byte for this long is given up (a dead connection never errors). */
export const STALL_TIMEOUT_MS = 30_000;

export interface DownloadOptions {
  url: string;
  /** Created exclusively; removed again when the download fails. */
  file: string;
  /** Names the binary in messages and on the progress bar: `"mytool 1.2.0"`. */
  label: string;
  /** Lowercase hex SHA-256 the download must have; `undefined`: not verified. */
  expectedSha256?: string;
  /** The progress bar's terminal (none when it is not a TTY). */
  progress?: NodeJS.WriteStream;
  signal?: AbortSignal;
  stallTimeoutMs?: number;
  clock?: Clock;
}

export interface Downloaded {
  /** Lowercase hex SHA-256 of what was received. */
  sha256: string;
  bytes: number;
}

/**
 * Streams `url` into `file`, hashing as it goes. Whatever goes wrong (server down, an HTTP
 * error, a transfer cut off or stalled, a checksum mismatch), `file` is removed and a
 * `BerthError` names the URL and says what to do.
 *
 * @example
 * const { sha256 } = await download({ url, file: join(staging, "download"), label: "mytool 1.2.0", expectedSha256 });
 * @throws BerthError `BINARY_DOWNLOAD_FAILED` or `BINARY_CHECKSUM_MISMATCH`.
 */
export async function download(options: DownloadOptions): Promise<Downloaded> {
  const handle = await open(options.file, "wx", 0o600);
  let complete = false;
  try {
    const result = await transfer(options, (chunk) => handle.write(chunk).then(() => undefined));
    await handle.sync();
    complete = true;
    return result;
  } finally {
    await handle.close().catch(() => {});
    if (!complete) await rm(options.file, { force: true });
  }
}

async function transfer(
  options: DownloadOptions,
  write: (chunk: Uint8Array) => Promise<void>,
): Promise<Downloaded> {
  const { url, label, clock = systemClock } = options;
  const stallMs = options.stallTimeoutMs ?? STALL_TIMEOUT_MS;
  const fail = (problem: string, todo: string, cause?: unknown) =>
    new BerthError(
      "BINARY_DOWNLOAD_FAILED",
      `Could not download ${label} from ${url}: ${problem}; ${todo}.`,
      {
        cause,
      },
    );
  const retry = "check your connection and the binary's `url`, then run berth again";

  // One timer covers the wait for the headers and every gap between chunks.
  const stall = new AbortController();
  let cancelTimer = () => {};
  const arm = () => {
    cancelTimer();
    cancelTimer = clock.setTimeout(() => stall.abort(), stallMs);
  };
  const signal = options.signal ? AbortSignal.any([options.signal, stall.signal]) : stall.signal;
  const stalled = () => stall.signal.aborted && !options.signal?.aborted;

  arm();
  try {
    let response: Response;
    try {
      response = await fetchWithProxy(url, {
        signal,
        redirect: "follow",
        // Progress and Content-Length checks need the bytes as sent, not decompressed.
        headers: { "user-agent": USER_AGENT, "accept-encoding": "identity" },
      });
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (stalled()) throw fail(`no answer within ${durationText(stallMs)}`, retry, error);
      throw fail(networkProblem(error), retry, error);
    }
    if (!response.ok || !response.body) {
      const status = `the server answered ${response.status} ${response.statusText}${await bodyHint(response)}`;
      const todo =
        response.status === 404
          ? "check the binary's `version` and `url` (is there a download for this version and platform?)"
          : retry;
      throw fail(status, todo);
    }

    const length = Number(response.headers.get("content-length") ?? NaN);
    const total = Number.isSafeInteger(length) && length >= 0 ? length : undefined;
    const hash = createHash("sha256");
    const bar = progressBar(options.progress, `Downloading ${label}`, total, clock);
    let bytes = 0;
    try {
      for await (const chunk of response.body) {
        arm();
        hash.update(chunk);
        await write(chunk);
        bytes += chunk.length;
        bar.update(bytes);
      }
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      const got = `after ${formatBytes(bytes)}${total === undefined ? "" : ` of ${formatBytes(total)}`}`;
      if (stalled())
        throw fail(
          `the transfer stalled ${got} (no data for ${durationText(stallMs)})`,
          retry,
          error,
        );
      throw fail(`the transfer was cut off ${got} (${networkProblem(error)})`, retry, error);
    } finally {
      bar.done();
    }
    if (total !== undefined && bytes !== total) {
      throw fail(
        `the transfer was cut off after ${formatBytes(bytes)} of ${formatBytes(total)}`,
        retry,
      );
    }

    const sha256 = hash.digest("hex");
    if (options.expectedSha256 !== undefined && sha256 !== options.expectedSha256) {
      throw new BerthError(
        "BINARY_CHECKSUM_MISMATCH",
        `The download of ${label} from ${url} does not match its SHA-256: expected ${options.expectedSha256}, got ${sha256}. ` +
          "Nothing was installed. If the release was rebuilt on purpose, update the binary's `sha256` in the config; otherwise the download may have been tampered with.",
      );
    }
    return { sha256, bytes };
  } finally {
    cancelTimer();
  }
}
