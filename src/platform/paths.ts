import { homedir } from "node:os";
import { join } from "node:path";

/**
 * The per-user folders berth writes to (DESIGN.md, "Where things live"). They sit this low
 * because the control socket, the binary cache and the monitor all need them. Every path
 * can be moved by an environment variable; tests move all of them.
 */

/** `$BERTH_HOME`, default `~/.berth`. */
export function berthHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.BERTH_HOME || join(homedir(), ".berth");
}

/** `$BERTH_RUNTIME_DIR`, else `$XDG_RUNTIME_DIR/berth`, else `$BERTH_HOME/run`. */
export function runtimeDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BERTH_RUNTIME_DIR) return env.BERTH_RUNTIME_DIR;
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, "berth");
  return join(berthHome(env), "run");
}

/**
 * Used when the runtime dir's socket paths would be too long: `/tmp/berth-<uid>`
 * (`$BERTH_SOCKET_FALLBACK_DIR` moves it, for tests).
 */
export function fallbackRuntimeDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BERTH_SOCKET_FALLBACK_DIR) return env.BERTH_SOCKET_FALLBACK_DIR;
  const uid = typeof process.getuid === "function" ? process.getuid() : "user";
  return `/tmp/berth-${uid}`;
}
