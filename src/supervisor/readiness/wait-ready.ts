import { systemClock, type Clock } from "../../clock.js";
import { BerthError } from "../../errors.js";
import type { ReadyCheck } from "../../model/app.js";
import { durationText } from "../../duration-text.js";
import { describeCheck } from "./describe.js";
import { waitForLogLine, type LogSubscribe } from "./log-watch.js";
import { pollUntilReady, type Probe } from "./probe-loop.js";
import { probeCommand } from "./probes/command.js";
import { probeHttp } from "./probes/http.js";
import { probeTcp } from "./probes/tcp.js";
import { scheduleNotices } from "./waiting-notice.js";

/** What is being waited on, said after 2 s and then every 5 s (a `WaitingEvent` without its service). */
export interface WaitingNotice {
  /** The check in words (`describeCheck`). */
  on: string;
  elapsedMs: number;
  /** The last probe's outcome ("connection refused"), or the last log line seen. */
  last?: string;
}

export interface WaitReadyOptions {
  check: ReadyCheck;
  /** Aborting ends the wait with the signal's reason (the process exited before it was ready). */
  signal: AbortSignal;
  /** Times the schedule, the timeout and the notices; default the system clock. */
  clock?: Clock;
  /** The service's name, for the timeout message. */
  service?: string;
  onWaiting?: (notice: WaitingNotice) => void;
  /** The service's output, as lines; required by the `log` check. */
  logLines?: LogSubscribe;
  /** Where the `command` check runs (normally the service's folder). */
  cwd?: string;
  /** The `command` check's environment (normally the service's). */
  env?: NodeJS.ProcessEnv;
}

/**
 * Resolves once the service passes its readiness check. Rejects with READY_TIMEOUT after
 * `check.timeoutMs`, at once with a probe's fatal error (IDENTITY_MISMATCH: another
 * instance holds the port), or with the signal's reason when aborted.
 *
 * @example
 * await waitUntilReady({
 *   check: { kind: "http", url: "http://127.0.0.1:3000/health", status: 200, timeoutMs: 30_000 },
 *   signal: exited.signal,
 *   onWaiting: (notice) => events.emit({ type: "waiting", service: "api", ...notice }),
 * });
 */
export async function waitUntilReady(options: WaitReadyOptions): Promise<void> {
  const { check, signal } = options;
  const clock = options.clock ?? systemClock;
  signal.throwIfAborted();
  // Ends everything this wait started, whichever way it ends.
  const stop = new AbortController();
  const onAbort = () => stop.abort(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  let last: string | undefined;
  const cancelDeadline = clock.setTimeout(
    () => stop.abort(readyTimeout(check, options.service, last)),
    check.timeoutMs,
  );
  const cancelNotices = scheduleNotices(clock, (elapsedMs) =>
    options.onWaiting?.({ on: describeCheck(check), elapsedMs, ...(last && { last }) }),
  );
  const outcome = (text: string) => {
    last = text;
  };
  try {
    if (check.kind === "log") {
      if (!options.logLines) throw new TypeError("waitUntilReady: a log check needs `logLines`");
      await waitForLogLine(check.pattern, options.logLines, stop.signal, outcome);
    } else {
      await pollUntilReady({
        probe: probeFor(check, options),
        clock,
        signal: stop.signal,
        onNotReady: outcome,
      });
    }
  } finally {
    cancelDeadline();
    cancelNotices();
    signal.removeEventListener("abort", onAbort);
    stop.abort();
  }
}

function probeFor(check: Exclude<ReadyCheck, { kind: "log" }>, options: WaitReadyOptions): Probe {
  switch (check.kind) {
    case "http":
      return (o) => probeHttp(check, o);
    case "tcp":
      return (o) => probeTcp(check.port, o);
    case "command":
      return (o) => probeCommand(check.command, { ...o, cwd: options.cwd, env: options.env });
  }
}

function readyTimeout(check: ReadyCheck, service: string | undefined, last: string | undefined) {
  const who = service === undefined ? "The service" : `Service ${service}`;
  const lastWords =
    last === undefined ? "" : check.kind === "log" ? ` (${last})` : ` (last probe: ${last})`;
  if (check.kind === "tcp" && check.implied) {
    return new BerthError(
      "READY_TIMEOUT",
      `${who} did not accept connections on its port ${check.port} within ` +
        `${durationText(check.timeoutMs)}${lastWords}. It has a port but no \`ready\` check, so ` +
        `berth waits for the port to accept connections: if it does not listen on it, ` +
        `add a \`ready\` check (such as { log: "listening" }) or set \`port: false\`; if it ` +
        `needs longer, add ready: { tcp: true, timeout: "2m" }.`,
    );
  }
  return new BerthError(
    "READY_TIMEOUT",
    `${who} was not ready within ${durationText(check.timeoutMs)}: waited for ` +
      `${describeCheck(check)}${lastWords}. Check its log for what it is doing, or raise ` +
      `ready.timeout in the config if it needs longer to start.`,
  );
}
