import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

/**
 * What the integration tests with real servers (PostgreSQL, Redis from the system's
 * packages) need: where the programs are, and a user to run PostgreSQL as, since it
 * refuses to run as root. Each finder says why when something is missing, so a skipped
 * test names its reason.
 */

export type Found<T> = ({ found: true } & T) | { found: false; reason: string };

/**
 * The bin folder of the newest PostgreSQL under `/usr/lib/postgresql/<version>/bin`
 * (Debian's layout; `postgresql` 15 on Debian 12).
 */
export function findPostgres(): Found<{ bin: string; version: number }> {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root)
    ? readdirSync(root)
        .map(Number)
        .filter((v) => Number.isInteger(v) && existsSync(join(root, String(v), "bin", "postgres")))
        .sort((a, b) => b - a)
    : [];
  const version = versions[0];
  if (version === undefined) {
    return {
      found: false,
      reason: `no PostgreSQL under ${root} (install it: apt-get install -y postgresql)`,
    };
  }
  return { found: true, bin: join(root, String(version), "bin"), version };
}

/** A program on PATH, by name. */
export function findProgram(name: string, hint: string): Found<{ path: string }> {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const path = join(dir, name);
    if (dir !== "" && existsSync(path)) return { found: true, path };
  }
  return { found: false, reason: `${name} is not on PATH (install it: ${hint})` };
}

export interface TestUser {
  uid: number;
  gid: number;
  /** Set when the tests run as root and switch to this user. */
  switched: boolean;
}

const USER = "berth-test";

/**
 * A user that is not root: the current one, or when running as root the `berth-test`
 * system user, created if it does not exist yet.
 */
export function unprivilegedUser(): Found<TestUser> {
  const uid = process.getuid?.();
  const gid = process.getgid?.();
  if (uid === undefined || gid === undefined) {
    return { found: false, reason: "this platform has no user ids" };
  }
  if (uid !== 0) return { found: true, uid, gid, switched: false };
  let ids = userIds(USER);
  if (!ids) {
    try {
      execFileSync(
        "useradd",
        ["--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent"].concat([
          "--shell",
          "/usr/sbin/nologin",
          USER,
        ]),
        { stdio: "ignore" },
      );
    } catch {
      // Another test process may have created it meanwhile: looked up again below.
    }
    ids = userIds(USER);
  }
  if (!ids) {
    return {
      found: false,
      reason: `running as root, and the unprivileged user ${USER} could not be created (useradd)`,
    };
  }
  return { found: true, ...ids, switched: true };
}

function userIds(name: string): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync("id", ["-u", name], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", name], { encoding: "utf8" }).trim());
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A temporary folder owned by `user`, with every folder berth uses inside it. The test's
 * own temp root is private to root, so a switched user gets one under the system's /tmp;
 * the caller removes it.
 */
export function userTempDir(user: TestUser): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(user.switched ? "/tmp" : tmpdir(), "berth-real-"));
  const env: NodeJS.ProcessEnv = {
    HOME: dir,
    TMPDIR: join(dir, "tmp"),
    BERTH_HOME: join(dir, "home"),
    BERTH_RUNTIME_DIR: join(dir, "run"),
    XDG_RUNTIME_DIR: join(dir, "xdg"),
    BERTH_SOCKET_FALLBACK_DIR: join(dir, "fallback"),
  };
  for (const name of ["tmp", "home", "run", "xdg", "fallback", "project"]) {
    mkdirSync(join(dir, name), { mode: 0o700 });
  }
  if (user.switched) {
    for (const path of [
      dir,
      ...["tmp", "home", "run", "xdg", "fallback", "project"].map((n) => join(dir, n)),
    ]) {
      chownSync(path, user.uid, user.gid);
    }
  }
  return { dir, env };
}
