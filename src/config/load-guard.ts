import { BerthError } from "../errors.js";
import { checkDuration } from "./duration.js";

/** How long a config may take to load unless `BERTH_CONFIG_TIMEOUT` says otherwise. */
export const DEFAULT_CONFIG_TIMEOUT_MS = 10_000;

/** A config called `process.exit()` while it loaded: berth refuses to end there. */
export class ConfigExitError extends Error {
  constructor(readonly exitCode: number | string | null | undefined) {
    super(`called process.exit(${exitCode ?? ""})`);
  }
}

/**
 * `BERTH_CONFIG_TIMEOUT` (a duration: `30s`, `500ms`, or milliseconds), else 10 s.
 *
 * @throws BerthError `USAGE` naming the variable when it is not a duration.
 */
export function configTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const value = env.BERTH_CONFIG_TIMEOUT?.trim();
  if (value === undefined || value === "") return DEFAULT_CONFIG_TIMEOUT_MS;
  const result = checkDuration(/^\d+$/.test(value) ? Number(value) : value);
  if ("ms" in result && result.ms > 0) return result.ms;
  const problem = "problem" in result ? result.problem : "expected a duration above 0, got 0";
  throw new BerthError("USAGE", `BERTH_CONFIG_TIMEOUT: ${problem}`);
}

let leftWork = false;

/**
 * True once a config holds berth's event loop with work of its own (a timer, a socket): it
 * left some running after it loaded (a `setInterval`, a server), or its loading was given
 * up on. berth must then exit by itself when its command is done, or it would wait on the
 * config's work forever.
 */
export function configLeftWork(): boolean {
  return leftWork;
}

/**
 * Runs a config module's loading so that it always ends, and ends as a config problem:
 * - a `process.exit()` it calls (at once or later) rejects with a `ConfigExitError`
 *   thrown where it was called, instead of ending berth;
 * - an error it throws from a callback rejects with that error, instead of crashing berth;
 * - a top-level `await` that nothing is left to settle (Node would exit, silently) rejects
 *   at once, and one still waiting after `timeoutMs` rejects, naming what it waits on.
 */
export function guardLoad<T>(file: string, load: () => Promise<T>, timeoutMs: number): Promise<T> {
  const before = resourceCounts();
  const exit = process.exit;
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const settle = (done: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      process.off("beforeExit", onIdle);
      done();
    };
    const fail = (error: unknown) => settle(() => reject(error));
    // Kept until the loading itself ends, not just until it failed: jiti evaluates a module
    // that failed Node's own import a second time, itself.
    const restore = () => {
      process.exit = exit;
      process.off("uncaughtException", onUncaught);
    };
    const onUncaught = (error: unknown) => fail(error);
    const onIdle = () => {
      restore();
      fail(
        new BerthError(
          "CONFIG_LOAD_FAILED",
          `Cannot load ${file}: it never finished loading. It awaits a promise that nothing ` +
            "is left to settle (no timer, connection or process is pending). Remove that " +
            "top-level `await`, or make sure what it waits for happens.",
        ),
      );
    };
    // Unreferenced: it must not keep berth alive, nor hide that nothing else does.
    const timer = setTimeout(() => {
      leftWork = true;
      restore();
      const waits = waitingOn(before);
      fail(
        new BerthError(
          "CONFIG_LOAD_FAILED",
          `Cannot load ${file}: it did not finish loading within ${seconds(timeoutMs)}` +
            `${waits ? `; it is still waiting on ${waits}` : ""}. A config should only ` +
            "describe the services: move slow work into a service or a oneshot task, or " +
            "set BERTH_CONFIG_TIMEOUT (a duration such as 30s) to wait longer.",
        ),
      );
    }, timeoutMs).unref();
    process.exit = ((code?: number | string | null) => {
      const error = new ConfigExitError(code);
      fail(error);
      // Unwinds the config's own code, as the exit would have.
      throw error;
    }) as typeof process.exit;
    process.on("beforeExit", onIdle);
    process.on("uncaughtException", onUncaught);
    load().then(
      (value) => {
        restore();
        if (waitingOn(before) !== "") leftWork = true;
        settle(() => resolve(value));
      },
      (error: unknown) => {
        restore();
        fail(error);
      },
    );
  });
}

/** Node's names for what keeps the event loop alive, said as a person would. */
const resourceWords: Record<string, string> = {
  Timeout: "a timer",
  Immediate: "a timer",
  TCPWRAP: "a network connection",
  TCPSocketWrap: "a network connection",
  TCPServerWrap: "a server",
  PipeWrap: "a pipe",
  PipeConnectWrap: "a pipe",
  ProcessWrap: "a child process",
  GetAddrInfoReqWrap: "a DNS lookup",
  FSReqCallback: "a file operation",
  FSReqPromise: "a file operation",
  FileHandle: "a file operation",
  UDPWRAP: "a UDP socket",
  FSEventWrap: "a file watcher",
  StatWatcher: "a file watcher",
};

function resourceCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const name of process.getActiveResourcesInfo()) {
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

/** What the process waits on now and did not before the config began to load. */
function waitingOn(before: Map<string, number>): string {
  const words = new Set<string>();
  for (const [name, count] of resourceCounts()) {
    if (count > (before.get(name) ?? 0)) words.add(resourceWords[name] ?? name);
  }
  const list = [...words];
  if (list.length <= 1) return list[0] ?? "";
  return `${list.slice(0, -1).join(", ")} and ${list.at(-1)}`;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
