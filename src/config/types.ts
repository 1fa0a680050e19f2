/**
 * The config as users write it in `berth.config.ts`. These comments are the reference
 * users read in their editor: each says what a field does and its default.
 */

/**
 * A length of time: milliseconds as a number (`1500`), or a string with a unit:
 * `"500ms"`, `"10s"`, `"1.5s"`, `"2m"`, `"1h"`.
 */
// A plain `string` rather than a template literal type: a value kept in a variable
// (`const grace = "10s"`) widens to `string` and would otherwise fail to type-check.
export type Duration = number | string;

/**
 * A command: a string runs through `/bin/sh -c` (pipes, `&&`, globs work); an array is an
 * argv, run directly (`["node", "api.js"]`). Strings may hold templates such as
 * `{{port}}` or `{{services.api.url}}`.
 */
export type Command = string | string[];

/** What a dependent waits for: the process spawned, ready, or (a oneshot) exited with 0. */
export type DependencyCondition = "started" | "ready" | "completed";

export type RestartPolicy = "no" | "on-failure" | "always";

export type StopSignal = "SIGTERM" | "SIGINT" | "SIGQUIT" | "SIGHUP" | "SIGUSR1" | "SIGUSR2";

export interface RestartConfig {
  /** When to restart. Default: `"on-failure"` for services, `"no"` for oneshots. */
  policy?: RestartPolicy;
  /** Restarts allowed within `window` before the service is marked failed. Default: `5`. */
  maxRestarts?: number;
  /** The time window in which restarts are counted. Default: `"60s"`. */
  window?: Duration;
  /** Wait before the first restart; doubles on each restart. Default: `"200ms"`. */
  delay?: Duration;
  /** Longest wait between restarts. Default: `"10s"`. */
  maxDelay?: Duration;
}

export interface HttpReadyConfig {
  /** Path probed on the service's own port (`http://127.0.0.1:<port><path>`). Default: `"/"`. */
  path?: string;
  /** Full URL to probe instead of a path on the service's port. */
  url?: string;
  /** Expected status code. Default: any 2xx or 3xx. */
  status?: number;
  /**
   * Expected response body (compared trimmed), e.g. `"{{instance.name}}"` so that another
   * app already on the port is told apart from "not up yet". Default: any body.
   */
  body?: string;
}

interface ReadyTimeout {
  /** How long to wait for the service to be ready before it fails. Default: `"60s"`. */
  timeout?: Duration;
}

/** How berth knows a service is ready: exactly one of `http`, `tcp`, `log` or `command`. */
export type ReadyConfig = ReadyTimeout &
  (
    | {
        /** Ready when an HTTP request answers: a path (`"/health"`) on the service's port, or options. */
        http: string | HttpReadyConfig;
        tcp?: never;
        log?: never;
        command?: never;
      }
    | {
        /** Ready when a TCP connection opens: `true` for the service's own port, or another port. */
        tcp: true | { port: number };
        http?: never;
        log?: never;
        command?: never;
      }
    | {
        /** Ready when a line of the service's output contains this text or matches this RegExp. */
        log: string | RegExp;
        http?: never;
        tcp?: never;
        command?: never;
      }
    | {
        /** Ready when this command exits with code 0 (it is retried until then). */
        command: Command;
        http?: never;
        tcp?: never;
        log?: never;
      }
  );

/** Node's `process.platform` values. */
export type NodePlatform =
  | "aix"
  | "android"
  | "darwin"
  | "freebsd"
  | "haiku"
  | "linux"
  | "openbsd"
  | "sunos"
  | "win32"
  | "cygwin"
  | "netbsd";

/** Node's `process.arch` values. */
export type NodeArch =
  | "arm"
  | "arm64"
  | "ia32"
  | "loong64"
  | "mips"
  | "mipsel"
  | "ppc"
  | "ppc64"
  | "riscv64"
  | "s390"
  | "s390x"
  | "x64";

/**
 * A versioned executable berth downloads once into `$BERTH_HOME/cache/binaries/<name>/<version>/`,
 * verifies, unpacks and checks before its first start.
 *
 * `url` and `path` take single-brace placeholders, filled in when the binary is fetched:
 * `{version}`, `{os}` (Node's `process.platform`, or its name in `os`), `{arch}` (Node's
 * `process.arch`, or its name in `arch`) and `{platform}` (`{os}-{arch}`).
 *
 * @example
 * const tool = {
 *   name: "mytool",
 *   version: "1.4.2",
 *   url: "https://github.com/acme/mytool/releases/download/v{version}/mytool-{platform}.tar.gz",
 *   path: "mytool-{platform}/bin/mytool",
 *   arch: { x64: "amd64" },
 *   sha256: { "linux-x64": "9f86d0…", "darwin-arm64": "60303a…" },
 * } satisfies BinaryConfig;
 */
export interface BinaryConfig {
  /**
   * Names the cache folder and the entry in `.berth/state.json`: letters, digits, `.`, `_`
   * and `-`. Services that use the same name must describe the binary the same way.
   */
  name: string;
  /**
   * An exact version (`"1.4.2"`), or `"latest"`: looked up at `latest` on each run; when that
   * fails (offline), the version this project used last time is kept, with a warning.
   */
  version: string;
  /**
   * Where to download it, with placeholders: `"https://example.com/v{version}/tool-{os}-{arch}.zip"`.
   * Redirects are followed.
   */
  url: string;
  /**
   * How the download is packed: `"none"` (it is the executable), `"zip"` or `"tar.gz"`.
   * Default: from the URL's extension (`.zip`, `.tar.gz` / `.tgz`, else `"none"`).
   */
  archive?: "none" | "zip" | "tar.gz";
  /**
   * The executable's path inside the archive, with placeholders: `"tool-{version}/bin/tool"`.
   * Required for an archive; not allowed with `archive: "none"`.
   */
  path?: string;
  /** The URL's names for operating systems, by Node's name: `{ darwin: "macos" }`. Default: Node's names. */
  os?: Partial<Record<NodePlatform, string>>;
  /** The URL's names for CPU architectures, by Node's name: `{ x64: "amd64", arm64: "aarch64" }`. Default: Node's names. */
  arch?: Partial<Record<NodeArch, string>>;
  /**
   * The SHA-256 of the download (hex) for each platform, keyed by Node's names whatever
   * `os` and `arch` say: `{ "linux-x64": "…", "darwin-arm64": "…" }`. A download that does
   * not match is refused and nothing is cached. A platform without a digest is refused
   * unless `insecure` is set.
   */
  sha256?: Record<string, string>;
  /**
   * Download and run it even without a digest for this platform: nothing verifies it was
   * not tampered with, and berth says so on each download. Default: `false`.
   */
  insecure?: boolean;
  /**
   * A URL answering with the latest version, as plain text (`1.4.2`) or JSON with `version`
   * or `tag_name` (a GitHub "latest release" API URL works; a leading `v` is dropped).
   * Required when `version` is `"latest"`.
   */
  latest?: string;
  /**
   * Arguments of a quick run before the binary's first start, to catch a binary that
   * cannot run here (missing libraries, wrong architecture) with a clear message; it must
   * exit with 0 within 10 s. `false` skips it. Default: `["--version"]`.
   */
  check?: string[] | false;
}

/**
 * `.env` files, read with Node's own parser (`KEY=value` lines, `#` comments, quoted values,
 * an optional `export `). A path is relative to the config file's folder; a file that does
 * not exist is an error unless it is written `{ path, optional: true }`. Values may hold
 * templates (`DATABASE_URL=postgres://localhost:{{services.db.port}}/app`). The files are
 * read when berth starts.
 *
 * @example envFile: [".env", { path: ".env.local", optional: true }]
 */
export type EnvFile = string | Array<string | { path: string; optional?: boolean }>;

/**
 * Files whose changes restart the service: paths (a file, or a folder and everything in
 * it) or globs (`"src/**\/*.ts"`), relative to the service's `cwd`.
 */
export interface WatchConfig {
  /** What to watch: `["src/**\/*.ts", "package.json"]`. */
  paths: string | string[];
  /** Globs left out, besides `node_modules`, `.git` and `.berth` (always left out). Default: none. */
  ignore?: string | string[];
  /** Quiet time after the last change before the restart (a burst of saves is one restart). Default: `"300ms"`. */
  debounce?: Duration;
}

/** Settings shared by every service, whether it runs a `command` or a `binary`. */
export interface ServiceOptions {
  /** Working folder, relative to the config file's folder. Default: the config file's folder. */
  cwd?: string;
  /**
   * Environment variables added for this service (values may hold templates); they win over
   * the env files'. Every service with a port also gets `PORT`, and every service gets
   * `BERTH_<NAME>_PORT` / `BERTH_<NAME>_URL` for every service with a port.
   */
  env?: Record<string, string | number | boolean>;
  /**
   * Env files for this service, read after the top level's `envFile` and before `env` (a
   * later value wins). Default: none.
   */
  envFile?: EnvFile;
  /**
   * The service's port: a number is preferred (another free port if it is taken, unless
   * `strictPort`), `"auto"` picks a free one (the same as last run when possible), `false`
   * gives none. Default: a free port (as `"auto"`) when the service needs one, else none. It
   * needs one when its `ready` check probes its own port (`http` with a path, `tcp: true`),
   * it has a `url` or `scheme`, or a template refers to its port or URL (`{{port}}` or
   * `{{url}}` in its own fields, `{{services.<name>.port}}` or `.url` anywhere, env files
   * included). A service that reads `PORT` without saying so needs `port: "auto"`.
   */
  port?: number | "auto" | false;
  /** With a port number: fail if it is taken instead of using another. Default: `false`. */
  strictPort?: boolean;
  /**
   * What the service's URL looks like, a template: `"postgres://postgres@localhost:{{port}}/app"`.
   * It is `BERTH_<NAME>_URL`, `{{url}}` and `{{services.<name>.url}}`, and what `berth ps`
   * and the terminal show. It may name ports (`{{port}}`, `{{services.<name>.port}}`), not
   * URLs or `{{instance.secret}}`. Gives the service a port. Default: `http://localhost:<port>`.
   */
  url?: string;
  /**
   * The URL's scheme, for the default URL: `"redis"` gives `redis://localhost:<port>`. Not
   * with `url`. Gives the service a port. Default: `"http"`.
   */
  scheme?: string;
  /**
   * Restart the service when these files change: globs (`"src/**\/*.ts"`), paths, or
   * `{ paths, ignore, debounce }`, relative to `cwd`. A change also starts a service that
   * failed or exited (fix, save, it runs). A watch restart is not counted as a crash.
   * `node_modules`, `.git` and `.berth` are never watched. Default: none.
   */
  watch?: string | string[] | WatchConfig;
  /**
   * How to tell the service is ready. Default: with a port, ready once the port accepts
   * connections (within 60s); without one, ready as soon as it is started.
   */
  ready?: ReadyConfig;
  /**
   * Services to start first. An array waits for each to be ready (or completed, for a
   * oneshot); an object names the condition: `{ db: "ready", migrate: "completed" }`.
   * Default: none.
   */
  dependsOn?: string[] | Record<string, DependencyCondition>;
  /**
   * Restart when the process exits: a policy, or options with back-off and crash-loop
   * limits. Default: `"on-failure"` (5 restarts within 60s, delay 200ms doubling up to 10s),
   * or `"no"` for a oneshot.
   */
  restart?: RestartPolicy | RestartConfig;
  /** Signal sent to the service's process group to stop it. Default: `"SIGTERM"`. */
  stopSignal?: StopSignal;
  /** Grace period after the stop signal before SIGKILL. Default: `"5s"`. */
  stopTimeout?: Duration;
  /** A task that runs to completion; success is exit code 0. Default: `false`. */
  oneshot?: boolean;
  /**
   * For `berth publish`: an existing image that runs this service in a container, used as
   * is (its own entrypoint and command): `"postgres:16"`, `"redis:7"`. Give its port as a
   * number, the one the image listens on. Not with `build`. Default: a Node service runs in
   * the image berth writes a Dockerfile for (see `publish.nodeImage`).
   */
  image?: string;
  /**
   * For `berth publish`: a Dockerfile of yours that builds this service's image, run as is
   * (its own command): the context folder (`"services/api"`, holding a `Dockerfile`) or
   * `{ context, dockerfile }`, relative to the config file's folder. Not with `image`.
   */
  build?: string | BuildConfig;
  /**
   * `false` leaves this service out of `berth publish` (a tool only used on your machine).
   * A published service may not refer to it in a template. Default: `true`.
   */
  publish?: boolean;
}

/** A Dockerfile of the user's, for `berth publish`. */
export interface BuildConfig {
  /** The build context, relative to the config file's folder. Default: `"."`. */
  context?: string;
  /** The Dockerfile, relative to `context`. Default: `"Dockerfile"`. */
  dockerfile?: string;
}

/** A service that runs a command. */
export interface CommandServiceConfig extends ServiceOptions {
  /** What to run: a string runs through `/bin/sh -c`, an array is an argv. */
  command: Command;
  binary?: never;
  args?: never;
}

/** A service that runs a downloaded, versioned binary. */
export interface BinaryServiceConfig extends ServiceOptions {
  /** The binary to download (once, into the cache) and run, instead of a `command`. */
  binary: BinaryConfig;
  /**
   * The binary's arguments; they may hold templates like any other value:
   * `["--port", "{{port}}", "--data", "{{dataDir}}", "--name", "{{instance.name}}"]`.
   * Default: none.
   */
  args?: string[];
  command?: never;
}

/** One service: exactly one of `command` or `binary`, plus the shared settings. */
export type ServiceConfig = CommandServiceConfig | BinaryServiceConfig;

export interface BerthConfig {
  /**
   * Instance name, available to services as `{{instance.name}}`. Default: the project's
   * folder name with a short hash of its path (kept in `.berth/state.json`).
   */
  name?: string;
  /**
   * Env files read by every service, before the service's own `envFile` and `env`.
   * Default: none.
   */
  envFile?: EnvFile;
  /** The project's services, by name (letters, digits, `-` and `_`). At least one. */
  services: Record<string, ServiceConfig>;
  /**
   * The web dashboard `berth run` serves on 127.0.0.1: every service, its logs and its
   * controls. `false` turns it off. Default: on, on the port it had last time (kept in
   * `.berth/state.json`), else a free one.
   */
  dashboard?: false | DashboardConfig;
  /** How `berth publish` writes this app for Docker Compose and Kubernetes. */
  publish?: PublishConfig;
}

/** Settings of `berth publish` shared by every service. */
export interface PublishConfig {
  /**
   * The base image of the Dockerfile berth writes for Node services (those with no `image`
   * or `build`); it needs `node` and `/bin/sh`, and the package manager of your lock file.
   * Default: `"node:20-slim"`.
   */
  nodeImage?: string;
  /**
   * Where the images berth builds are pushed, as a prefix of their names:
   * `"ghcr.io/acme"` gives `ghcr.io/acme/<project>-node`. Default: none (local names).
   */
  registry?: string;
}

export interface DashboardConfig {
  /**
   * The port to serve it on, when free; else the one it had last time, else a free one.
   * Default: the one it had last time, else a free one.
   */
  port?: number;
}

/**
 * Gives a config editor completion and these docs; returns it unchanged.
 *
 * @example
 * export default defineConfig({
 *   services: {
 *     api: { command: "node api.js", ready: { http: "/health" } },
 *     worker: { command: ["node", "worker.js"], dependsOn: ["api"], env: { API: "{{services.api.url}}" } },
 *     store: {
 *       binary: { name: "store", version: "2.1.0", url: "https://example.com/store-{version}-{platform}.tar.gz", path: "store", sha256: { "linux-x64": "…" } },
 *       args: ["--port", "{{port}}", "--data", "{{dataDir}}"],
 *       ready: { tcp: true },
 *     },
 *   },
 * });
 */
export function defineConfig(config: BerthConfig): BerthConfig {
  return config;
}
