import { realpathSync, statSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { BerthError } from "../errors.js";
import { appHostPathOf, type TrackedHost } from "./tracked.js";

/**
 * Which app host a command means. In scope = the host's config lies inside the current
 * folder. The rule: the host named by `--apphost` or `--pid`; else the one host in scope;
 * else an error that lists the candidates, or says nothing runs here and what runs elsewhere.
 */

/** What selection needs to know about a host (a `TrackedHost` has it all). */
export type SelectableHost = Pick<
  TrackedHost,
  "pid" | "info" | "sidecar" | "socketPath" | "status"
>;

export interface SelectOptions {
  /** The folder the command runs in. */
  cwd: string;
  /** `--apphost`: a config file, or the folder holding it; relative to `cwd`. */
  apphost?: string;
  /** `--pid`: the host's process ID. */
  pid?: number;
}

/**
 * True when `path` is `dir` or lies below it. Compares path segments, so `/a/bc` is not
 * inside `/a/b`.
 *
 * @example
 * isInside("/a/b/berth.config.ts", "/a/b"); // true
 * isInside("/a/bc/berth.config.ts", "/a/b"); // false
 */
export function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  // A folder named "..x" inside `dir` is inside: only a whole ".." segment leaves it.
  return rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/** True when the host's config lies inside `cwd` (compared as real paths). */
export function inScope(host: SelectableHost, cwd: string): boolean {
  return scopeOf(cwd)(host);
}

/** `inScope` for many hosts: the folder's real path is looked up once. */
export function scopeOf(cwd: string): (host: SelectableHost) => boolean {
  const dir = realPath(cwd);
  return (host) => {
    const path = appHostPathOf(host);
    return path !== undefined && isInside(path, dir);
  };
}

/**
 * Picks the host a command acts on, or throws a `BerthError`: `NOT_RUNNING` when none
 * matches, `AMBIGUOUS_HOST` when several do.
 *
 * @example
 * const host = selectHost(await listHosts({ connect }), { cwd: process.cwd(), pid: flags.pid });
 */
export function selectHost<H extends SelectableHost>(hosts: H[], options: SelectOptions): H {
  const cwd = realPath(options.cwd);
  if (options.apphost !== undefined || options.pid !== undefined) {
    return selectNamed(hosts, options, cwd);
  }
  const here = hosts.filter(scopeOf(cwd));
  if (here.length === 1) return here[0]!;
  if (here.length > 1) {
    throw new BerthError(
      "AMBIGUOUS_HOST",
      `${here.length} app hosts run under ${cwd}. Pick one with --apphost <path> or --pid <pid>.`,
      { details: here.map(describeHost) },
    );
  }
  // From inside a project (its src/, say), the project around the folder is meant: the
  // host whose config `berth run` would find walking up from here.
  const around = hosts
    .filter((host) => {
      const path = appHostPathOf(host);
      return path !== undefined && isInside(cwd, dirname(path));
    })
    .sort((a, b) => appHostPathOf(b)!.length - appHostPathOf(a)!.length);
  if (around.length > 0) {
    const deepest = around.filter((h) => appHostPathOf(h) === appHostPathOf(around[0]!));
    if (deepest.length === 1) return deepest[0]!;
  }
  throw notRunning(`No app host runs under ${cwd}.`, hosts);
}

function selectNamed<H extends SelectableHost>(hosts: H[], options: SelectOptions, cwd: string): H {
  let matches = hosts;
  let what = "";
  if (options.apphost !== undefined) {
    const target = realPath(resolve(cwd, options.apphost));
    const folder = isDirectory(target);
    matches = matches.filter((host) => {
      const path = appHostPathOf(host);
      return path !== undefined && (folder ? dirname(path) === target : path === target);
    });
    what = `for ${target}`;
  }
  if (options.pid !== undefined) {
    matches = matches.filter((host) => host.pid === options.pid);
    what = what ? `${what} with pid ${options.pid}` : `with pid ${options.pid}`;
  }
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) throw notRunning(`No app host runs ${what}.`, hosts);
  // The same project twice is a host leaving while the next one starts: take the live one.
  const live = matches.filter((host) => host.status === "live");
  if (live.length === 1 && new Set(matches.map(appHostPathOf)).size === 1) return live[0]!;
  throw new BerthError(
    "AMBIGUOUS_HOST",
    `${matches.length} app hosts run ${what}. Pick one with --pid <pid>.`,
    { details: matches.map(describeHost) },
  );
}

/**
 * The host itself when it is `live`; else a `HOST_UNRESPONSIVE` error naming it, with the
 * reason it gave (a timeout, a refusal) as a detail line.
 *
 * @example
 * const host = requireLive(selectHost(hosts, { cwd }));
 * await host.client.stopHost();
 */
export function requireLive<H extends SelectableHost & { error?: string }>(host: H): H {
  if (host.status === "live") return host;
  throw unresponsiveError(host);
}

/** `HOST_UNRESPONSIVE` naming the host, with the reason it gave as a detail line. */
export function unresponsiveError(host: SelectableHost & { error?: string }): BerthError {
  const path = appHostPathOf(host) ?? host.socketPath;
  const slow = host.status === "slow";
  return new BerthError(
    "HOST_UNRESPONSIVE",
    `The app host for ${path} (pid ${host.pid}) ` +
      (slow
        ? "is slow to answer: try again in a moment, or stop it with "
        : "does not answer. Stop it with ") +
      `\`berth stop --pid ${host.pid}\` (it is signalled if it does not answer).`,
    { details: host.error ? [host.error] : [] },
  );
}

function notRunning(message: string, hosts: SelectableHost[]): BerthError {
  if (hosts.length === 0) {
    return new BerthError("NOT_RUNNING", `${message} Start one with \`berth run\`.`);
  }
  return new BerthError(
    "NOT_RUNNING",
    `${message} Start one with \`berth run\`, or pick one of those running elsewhere with --apphost <path> or --pid <pid>:`,
    { details: hosts.map(describeHost) },
  );
}

/** `/home/me/shop/berth.config.ts (pid 4242)`, plus the status when it is not live. */
export function describeHost(host: SelectableHost): string {
  const status =
    host.status === "live" ? "" : `, ${host.status === "slow" ? "slow to answer" : host.status}`;
  return `${appHostPathOf(host) ?? host.socketPath} (pid ${host.pid}${status})`;
}

function realPath(path: string): string {
  try {
    return realpathSync.native(path);
  } catch {
    return resolve(path);
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
