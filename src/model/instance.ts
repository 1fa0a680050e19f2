import { basename } from "node:path";
import type { InstanceIdentity } from "./app.js";
import type { ProjectState } from "./state.js";
import { lazyCrypto } from "../platform/builtins.js";

/**
 * The instance's identity: a name that tells this checkout's services apart from another
 * checkout's on the same machine (readiness checks can require it), and a secret made once.
 */

/**
 * The app host's hash: first 16 hex characters of SHA-256 over its path (UTF-8). Names its
 * control socket, and (first 6) suffixes the default instance name.
 *
 * @example
 * appHostHash("/home/me/shop/berth.config.ts"); // "1a2b3c4d5e6f7a8b"
 */
export function appHostHash(appHostPath: string): string {
  return lazyCrypto().createHash("sha256").update(appHostPath, "utf8").digest("hex").slice(0, 16);
}

/**
 * The instance name: the config's `name` if given, else `<project folder>-<6 hex of the
 * hash>`. Derived from the path, not remembered, so a copy of the project (with its
 * `.berth/`) gets a name of its own and identity checks can tell the two apart.
 *
 * @example
 * instanceName({ projectDir: "/home/me/My Shop", appHostPath: "/home/me/My Shop/berth.config.ts" });
 * // "my-shop-1a2b3c"
 */
export function instanceName(options: {
  configName?: string;
  projectDir: string;
  appHostPath: string;
}): string {
  if (options.configName) return options.configName;
  const folder = basename(options.projectDir)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40)
    .replace(/-+$/, "");
  return `${folder || "app"}-${appHostHash(options.appHostPath).slice(0, 6)}`;
}

/**
 * Gives the state an instance: the name as `instanceName` computes it, and the secret kept
 * in the state (32 random bytes, hex, made on the first run and then never changed, even
 * when the name changes: data a service stored with it stays usable). Pure: `changed` says
 * whether the state must be written.
 *
 * @example
 * const { state, instance, changed } = ensureInstance(await readState(dir, log), { projectDir, appHostPath });
 * if (changed) await writeState(dir, state);
 */
export function ensureInstance(
  state: ProjectState,
  options: { configName?: string; projectDir: string; appHostPath: string },
): { state: ProjectState; instance: InstanceIdentity; changed: boolean } {
  const name = instanceName(options);
  const secret = state.instance?.secret ?? lazyCrypto().randomBytes(32).toString("hex");
  const changed = state.instance?.name !== name || state.instance.secret !== secret;
  const instance = { name, secret };
  return { state: changed ? { ...state, instance } : state, instance, changed };
}
