/**
 * The validated config with every default applied, before anything about the machine is
 * known: templates (`{{services.api.url}}`) are still unrendered and ports not yet chosen.
 * `model/plan.ts` turns it into the `AppModel` the supervisor runs.
 */
import type { BuildSpec } from "./publish.js";
import type { DependencyCondition, RestartPolicy } from "./types.js";

export type { BuildSpec };

/** A dependency on another service, and what to wait for. */
export interface Dependency {
  name: string;
  condition: DependencyCondition;
}

/** When and how fast a service is restarted, with its defaults applied. */
export interface RestartSpec {
  policy: RestartPolicy;
  /** Restarts allowed within `windowMs` before the service is marked failed (crash loop). */
  maxRestarts: number;
  windowMs: number;
  /** First back-off delay; doubles on each restart, capped at `maxDelayMs`. */
  initialDelayMs: number;
  maxDelayMs: number;
}

/** How a service is stopped. */
export interface StopSpec {
  signal: NodeJS.Signals;
  /** Time between the stop signal and SIGKILL to the process group. */
  graceMs: number;
}

export type PortRequest =
  /** Any free port (the saved one when it is still free). */
  | { mode: "auto" }
  /** This port if free, else the saved one, else the next free one above it. */
  | { mode: "preferred"; port: number }
  /** Exactly this port; taken means the service cannot start. */
  | { mode: "strict"; port: number };

export type NormalizedReady = { timeoutMs: number } & (
  | { kind: "http"; path?: string; url?: string; status?: number; body?: string }
  /** `port` undefined: the service's own port. */
  | { kind: "tcp"; port?: number }
  | { kind: "log"; pattern: RegExp }
  | { kind: "command"; command: string | string[] }
);

/** How a binary's download is packed. */
export type BinaryArchive = "none" | "zip" | "tar.gz";

/**
 * A versioned binary to download, cache and run (`binaries/`). Its `url` and `path` keep
 * their single-brace placeholders (`{version}`, `{os}`, `{arch}`, `{platform}`) until it is
 * fetched: the version may only be known then (`"latest"`).
 */
export interface NormalizedBinary {
  /** Cache folder name: `$BERTH_HOME/cache/binaries/<name>/<version>/`; key in state.json. */
  name: string;
  /** An exact version, or `"latest"` (looked up at `latest`). */
  version: string;
  url: string;
  archive: BinaryArchive;
  /** The executable inside the archive; for `"none"`, the name the download is saved as. */
  path: string;
  /** Node's `process.platform` → the name the URL uses. */
  os: Record<string, string>;
  /** Node's `process.arch` → the name the URL uses. */
  arch: Record<string, string>;
  /** `<process.platform>-<process.arch>` (Node's names) → SHA-256 of the download, lowercase hex. */
  sha256: Record<string, string>;
  /** Download even without a digest for this platform (unverified). */
  insecure: boolean;
  /** Where the latest version is looked up; set whenever `version` is `"latest"`. */
  latest?: string;
  /** Arguments of the check run before the first start; `false`: no check. */
  check: string[] | false;
}

/** Files whose changes restart a service. */
export interface NormalizedWatch {
  /** Paths or globs, relative to the service's working folder. */
  paths: string[];
  /** Globs left out, the defaults (node_modules, .git, .berth) first. */
  ignore: string[];
  /** Quiet time after the last change before the restart. */
  debounceMs: number;
}

export interface NormalizedServiceFields {
  name: string;
  oneshot: boolean;
  /** Relative to the project dir, or absolute; templates unrendered. */
  cwd?: string;
  /**
   * Values stringified; templates unrendered. The env files' variables (the top level's,
   * then the service's) are already laid under the service's own `env`.
   */
  env: Record<string, string>;
  /** `null`: the service gets no port (none given, and nothing needs one). */
  port: PortRequest | null;
  /**
   * The service's URL, a template (from `url`, or `scheme` as `<scheme>://localhost:{{port}}`);
   * undefined: `http://localhost:<port>`. Set only for a service with a port.
   */
  url?: string;
  watch?: NormalizedWatch;
  ready?: NormalizedReady;
  dependsOn: Dependency[];
  restart: RestartSpec;
  stop: StopSpec;
  /** The binary's arguments (templates unrendered); always `[]` for a command. */
  args: string[];
  /** How `berth publish` runs it in a container. */
  container: ContainerSpec;
  /**
   * The variables of `env` whose value came from an env file (not replaced by `env`):
   * `berth publish` keeps them out of the files it writes for committing.
   */
  fromEnvFiles: string[];
}

/** How `berth publish` runs a service in a container. */
export interface ContainerSpec {
  /** `false`: left out of what `berth publish` writes. */
  published: boolean;
  /** An existing image, run as is. */
  image?: string;
  /** A Dockerfile of the user's, run as is. */
  build?: BuildSpec;
}

/** A service runs either a command or a downloaded binary: exactly one is set. */
export type NormalizedService = NormalizedServiceFields &
  (
    | {
        /** A string runs through `/bin/sh -c`; an array is an argv. Templates unrendered. */
        command: string | string[];
        binary?: undefined;
      }
    | {
        command?: undefined;
        /** Run the executable of this binary (see `binaries/ensure.ts`) with `args`. */
        binary: NormalizedBinary;
      }
  );

export interface NormalizedConfig {
  /** Real path of the config file. */
  file: string;
  /** Folder holding the config file. */
  projectDir: string;
  /** The user's name for the instance, if they gave one. */
  name?: string;
  /** In the order the user wrote them. */
  services: NormalizedService[];
  /** Services of the file left out by a selection (`berth run api` leaves out `web`). */
  leftOut?: string[];
  /** The dashboard as written (`BerthConfig.dashboard`); absent means on, any port. */
  dashboard?: false | { port?: number };
  /** Every env file the config names (top level and services), as written. */
  envFileNames: string[];
  /** The top level's `publish`, as written. */
  publish?: { nodeImage?: string; registry?: string };
}
