/**
 * The guardian: a tiny process the host starts with a pipe on its stdin. The host writes
 * `+<pgid>` when a service's process group starts and `-<pgid>` when it ends. If the pipe
 * reaches EOF while groups are still recorded, the host died without stopping them (for
 * example `kill -9`), so the guardian kills those groups, and on Linux every process that
 * carries the host's run id in its environment (grandchildren that left the group too).
 *
 * Runs as plain Node with no imports from the rest of berth beyond the platform helpers, so
 * it starts fast and survives whatever state the host was in.
 */
import { findProcessesWithEnv, groupExists } from "../platform/process-info.js";

const runId = process.argv[2] ?? "";
const groups = new Set<number>();
let pending = "";

// The host's terminal sends Ctrl-C and hang-ups to its whole foreground group; the guardian
// is in its own session, but be explicit: only EOF on the pipe ends it.
for (const signal of ["SIGINT", "SIGHUP", "SIGTERM"] as const) process.on(signal, () => {});

process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk: string) => {
  pending += chunk;
  let newline: number;
  while ((newline = pending.indexOf("\n")) >= 0) {
    const line = pending.slice(0, newline).trim();
    pending = pending.slice(newline + 1);
    const pgid = Number(line.slice(1));
    if (!Number.isInteger(pgid) || pgid <= 1) continue;
    if (line.startsWith("+")) groups.add(pgid);
    else if (line.startsWith("-")) groups.delete(pgid);
  }
});
process.stdin.on("end", () => void cleanUp());
process.stdin.on("error", () => void cleanUp());

async function cleanUp(): Promise<void> {
  const strays = () =>
    runId && process.platform === "linux"
      ? findProcessesWithEnv("BERTH_RUN_ID", runId).filter((pid) => pid !== process.pid)
      : [];
  if (groups.size === 0 && strays().length === 0) process.exit(0);
  signalAll("SIGTERM", strays());
  const deadline = Date.now() + 1000;
  while (Date.now() < deadline && (anyGroupLeft() || strays().length > 0)) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  signalAll("SIGKILL", strays());
  process.exit(0);
}

function signalAll(signal: NodeJS.Signals, pids: number[]): void {
  for (const pgid of groups) tryKill(-pgid, signal);
  for (const pid of pids) tryKill(pid, signal);
}

function anyGroupLeft(): boolean {
  // groupExists ignores zombies: where PID 1 does not reap orphans they never go away.
  for (const pgid of groups) if (!groupExists(pgid)) groups.delete(pgid);
  return groups.size > 0;
}

function tryKill(target: number, signal: NodeJS.Signals): void {
  try {
    process.kill(target, signal);
  } catch {
    // gone already
  }
}
