import { appHostHash, socketAddress, type SocketAddress } from "../control/address.js";
import { BerthError } from "../errors.js";
import { runtimeDir } from "../platform/paths.js";

/** Bytes in a unix socket path, its NUL aside: `sun_path` holds 108 on Linux, 104 on macOS. */
export const SOCKET_PATH_LIMIT = process.platform === "darwin" ? 103 : 107;

/** The widest pid Linux hands out (`pid_max` is at most 2^22), so a check holds for any pid. */
const WIDEST_PID = 4_194_304;

/**
 * The control socket's address for the host of `appHostPath` running as `pid`, or a
 * `RUNTIME_DIR_UNUSABLE` error when even the fallback folder is too deep for a socket:
 * Node would cut the path short and make the socket outside the runtime dir. Called before
 * anything is made (lock, state, processes) with the widest pid, then with the host's own.
 *
 * @example
 * hostSocketAddress(app.appHostPath, process.pid).socketPath;
 */
export function hostSocketAddress(
  appHostPath: string,
  pid = WIDEST_PID,
  env: NodeJS.ProcessEnv = process.env,
): SocketAddress {
  const address = socketAddress(appHostHash(appHostPath), pid, env);
  const bytes = Buffer.byteLength(address.socketPath);
  if (bytes <= SOCKET_PATH_LIMIT) return address;
  throw new BerthError(
    "RUNTIME_DIR_UNUSABLE",
    `The runtime dir ${runtimeDir(env)} is too deep for a control socket, and so is the ` +
      `fallback ${address.dir}: a socket in it would take up to ${bytes} bytes, and a socket ` +
      `path has at most ${SOCKET_PATH_LIMIT}. Set BERTH_RUNTIME_DIR to a shorter folder of ` +
      `your own, such as /tmp/berth-${process.getuid?.() ?? "me"}, and try again.`,
  );
}
