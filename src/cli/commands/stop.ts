import { dirname, join } from "node:path";
import { findConfig } from "../../config/find.js";
import { connectControl } from "../../control/client.js";
import { durationText } from "../../duration-text.js";
import { isBerthError } from "../../errors.js";
import { lockHolder, type HostRecord } from "../../host/lock.js";
import { isPortFree } from "../../model/ports.js";
import { isSameProcess } from "../../platform/process-info.js";
import { selectHost } from "../../monitor/select.js";
import { appHostPathOf, type TrackedHost } from "../../monitor/tracked.js";
import { durationFlag } from "../flags.js";
import { allHosts, connectSelected, type HostFlags } from "../hosts.js";

export interface StopOptions extends HostFlags {
  service?: string;
  all: boolean;
  /** How long a host gets to stop on request before it is signalled. */
  timeout: string;
}

/**
 * `berth stop`: stops the selected host (or every host with --all) and returns only when
 * its process is gone and its ports are free; `berth stop <service>` stops one service.
 * Nothing running is not an error.
 */
export async function stopCommand(options: StopOptions): Promise<number> {
  if (options.service !== undefined) {
    const { client } = await connectSelected(options);
    try {
      const service = await client.stopService(options.service);
      // A stop that needed SIGKILL says so: "did not stop within 5 s of SIGTERM; killed".
      const how = service.reason && service.reason !== "stopped" ? `: ${service.reason}` : "";
      say(`${service.name} ${service.state}${how}`);
      return 0;
    } finally {
      await client.close();
    }
  }
  const timeoutMs = durationFlag(options.timeout, "--timeout");
  const hosts = await allHosts();
  let targets: TrackedHost[];
  if (options.all) {
    targets = hosts;
  } else {
    try {
      targets = [selectHost(hosts, options)];
    } catch (error) {
      if (!isBerthError(error, "NOT_RUNNING")) throw error;
      const starting = await startingHost(options);
      if (starting) {
        await stopStarting(starting, timeoutMs);
        return 0;
      }
      say(`Nothing to stop: ${error.message.replace(/ Start one with.*$/, "")}`);
      return 0;
    }
  }
  if (targets.length === 0) say("Nothing to stop: no app host is running.");
  await Promise.all(targets.map((host) => stopHost(host, timeoutMs)));
  return 0;
}

/**
 * The project's host when it is still starting: it holds the project's lock but has no
 * control socket yet (it opens once a service has spawned; a binary may be downloading).
 */
async function startingHost(options: StopOptions): Promise<HostRecord | undefined> {
  let file: string;
  try {
    file = findConfig(options.cwd, options.apphost);
  } catch {
    return undefined; // no project here: nothing of ours can be starting
  }
  const holder = await lockHolder(join(dirname(file), ".berth"));
  if (!holder || (options.pid !== undefined && holder.pid !== options.pid)) return undefined;
  return holder;
}

/**
 * Stops a host that is still starting: with no socket to ask, SIGTERM asks (the host stops
 * once it can, before or after its services start), then SIGKILL after the timeout. The
 * pid is signalled only while its start time is still the one in the lock.
 */
async function stopStarting(host: HostRecord, timeoutMs: number): Promise<void> {
  const began = Date.now();
  const name = `${host.appHostPath} (pid ${host.pid})`;
  const ours = () => isSameProcess(host);
  say(`${name} is starting; stopping it`);
  signal(host.pid, "SIGTERM", ours);
  if (!(await waitUntil(() => !ours(), timeoutMs))) {
    say(
      `${name} still running after ${durationText(timeoutMs)}; sending SIGKILL (its guardian stops its services)`,
    );
    signal(host.pid, "SIGKILL", ours);
    await waitUntil(() => !ours(), 3000);
  }
  say(`stopped ${name} in ${durationText(Date.now() - began)}`);
}

/** Asks the host to stop; signals it if it does not go in time; waits for its ports. */
async function stopHost(host: TrackedHost, timeoutMs: number): Promise<void> {
  const began = Date.now();
  const name = `${appHostPathOf(host) ?? host.socketPath} (pid ${host.pid})`;
  const startTime = host.info?.processStartTime ?? host.sidecar?.processStartTime;
  if (!startTime) {
    // Neither its answer nor a readable sidecar says which process it is: the PID may be
    // anyone's now, so it is never signalled. A lister sweeps such a socket once it is stale.
    say(
      `${name} does not answer and has no readable sidecar, so nothing proves pid ${host.pid} ` +
        `is a berth host; not signalling it. If it is stale, remove ${host.socketPath}.`,
    );
    return;
  }
  // Never signal a PID that now belongs to another process.
  const ours = () => isSameProcess({ pid: host.pid, startTime });
  const ports = (host.services ?? []).flatMap((s) => (s.port === null ? [] : [s.port]));

  let asked = false;
  if (host.status === "live") {
    try {
      const client = await connectControl(host.socketPath);
      await client.stopHost();
      await client.close();
      asked = true;
    } catch {
      say(`${name} did not answer the stop request`);
    }
  }
  if (!(await waitUntil(() => !ours(), asked ? timeoutMs : 0))) {
    say(
      `${name} still running${asked ? ` after ${durationText(timeoutMs)}` : ""}; sending SIGTERM`,
    );
    signal(host.pid, "SIGTERM", ours);
    if (!(await waitUntil(() => !ours(), 5000))) {
      say(`${name} ignored SIGTERM; sending SIGKILL (its guardian stops its services)`);
      signal(host.pid, "SIGKILL", ours);
      await waitUntil(() => !ours(), 3000);
    }
  }
  const free = async () => (await Promise.all(ports.map(isPortFree))).every(Boolean);
  if (!(await waitUntil(free, 5000))) {
    say(`${name} stopped, but some of its ports are still in use: ${ports.join(", ")}`);
    return;
  }
  say(`stopped ${name} in ${durationText(Date.now() - began)}`);
}

function signal(pid: number, sig: NodeJS.Signals, ours: () => boolean): void {
  if (!ours()) return;
  try {
    process.kill(pid, sig);
  } catch {
    // gone in between
  }
}

async function waitUntil(done: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await done()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}
