/**
 * The resolved app: what the supervisor runs. Produced by `model/plan.ts` from the validated
 * user config and the project's saved state; every template is rendered, every port chosen,
 * every path absolute. Nothing here is optional "because the user may not have said": the
 * defaults are already applied.
 */

import type { Dependency, RestartSpec, StopSpec } from "../config/normalized.js";

// Defined with the config, which validates them; the supervisor and the host use them from here.
export type { DependencyCondition, RestartPolicy } from "../config/types.js";
export type { Dependency, RestartSpec, StopSpec };

/** How a service's process is started. */
export interface CommandSpec {
  /** Program to run (`/bin/sh` for a string command). */
  file: string;
  args: string[];
  /** The command as the user wrote it, for messages. */
  display: string;
}

export type ReadyCheck = { timeoutMs: number } & (
  | {
      kind: "http";
      /** Full URL on 127.0.0.1; the probe also tries the same URL on [::1]. */
      url: string;
      /** Expected status; `undefined` means any 2xx or 3xx. */
      status?: number;
      /** Expected body (trimmed) — used to check the instance's identity. */
      body?: string;
    }
  | {
      kind: "tcp";
      port: number;
      /**
       * Set when the config has no `ready` check: a service with a port is taken to be
       * ready once its port accepts connections (messages then say so, and what to do).
       */
      implied?: boolean;
    }
  | { kind: "log"; pattern: RegExp }
  | { kind: "command"; command: CommandSpec }
);

export interface ServiceModel {
  name: string;
  /** A oneshot runs to completion; success is exit code 0. */
  oneshot: boolean;
  command: CommandSpec;
  cwd: string;
  /** Variables added to berth's own environment for this service (PORT, BERTH_*, user env). */
  env: Record<string, string>;
  /** The port given to this service, if it has one. */
  port?: number;
  /**
   * The service's URL when it has a port: its `url` template rendered, `<scheme>://localhost:<port>`,
   * or `http://localhost:<port>`.
   */
  url?: string;
  /** `<project>/.berth/data/<service>`; created before the service starts. */
  dataDir: string;
  /** `<project>/.berth/logs/<service>.log`. */
  logFile: string;
  ready?: ReadyCheck;
  dependsOn: Dependency[];
  restart: RestartSpec;
  stop: StopSpec;
  /** Files whose changes restart the service. */
  watch?: WatchSpec;
}

export interface WatchSpec {
  /** The folder `paths` and `ignore` are relative to (the service's `cwd`). */
  root: string;
  /** Paths or globs. */
  paths: string[];
  /** Globs left out (node_modules, .git and .berth always are). */
  ignore: string[];
  /** Quiet time after the last change before the restart. */
  debounceMs: number;
}

export interface InstanceIdentity {
  /** Stable name of this project's instance (kept in state.json). */
  name: string;
  /** 32 random bytes, hex; never printed or sent unmasked. */
  secret: string;
}

export interface AppModel {
  /** Real path of the config file: the app host's identity on the machine. */
  appHostPath: string;
  /** Folder holding the config file. */
  projectDir: string;
  /** `<project>/.berth`. */
  stateDir: string;
  instance: InstanceIdentity;
  /** Services in a dependency order (every service after what it depends on). */
  services: ServiceModel[];
  /** Services of the config this host does not run (`berth run api` leaves out `web`). */
  leftOut: string[];
}
