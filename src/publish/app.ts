/**
 * The app as it runs in containers: what `berth publish` writes for Compose and Kubernetes,
 * before either engine's words. Made by `plan.ts` from the validated config; every template
 * is rendered with the container's values (`http://api:4310`, not `http://localhost:…`).
 */
import type { Dependency, RestartSpec, StopSpec } from "../config/normalized.js";

/** Where a service's data folder is mounted in every container that names it. */
export const DATA_ROOT = "/berth/data";

/** The folder the project is copied to in the image berth writes for Node services. */
export const APP_ROOT = "/app";

/** How a readiness check runs against a container, in the container's own terms. */
export type ContainerReady = {
  /** How long the service may take to become ready (the check's `timeout`). */
  timeoutMs: number;
} & (
  | {
      kind: "http";
      port: number;
      /** Path and query, starting with `/`. */
      path: string;
      /** Expected status; undefined: any 2xx or 3xx. */
      status?: number;
      /** Expected body, trimmed. */
      body?: string;
    }
  /** `implied`: the config has no `ready`; a service with a port is ready once it accepts. */
  | { kind: "tcp"; port: number; implied?: boolean }
  /** An argv run inside the container; a string command is `["/bin/sh", "-c", text]`. */
  | { kind: "command"; command: string[] }
);

/** What a service's container runs. */
export type ContainerImage =
  /** The image berth writes a Dockerfile for, running the service's own command. */
  | { kind: "node"; command: string[]; workingDir: string }
  /** An existing image, run with its own command. */
  | { kind: "image" }
  /** The user's Dockerfile, run with its own command. Paths relative to the project. */
  | { kind: "build"; context: string; dockerfile: string };

export interface ContainerService {
  /** The berth service's name. */
  name: string;
  /** Its DNS name: the Compose service, the Kubernetes objects, the host in URLs. */
  host: string;
  oneshot: boolean;
  /** The image's name (`postgres:16`, `ghcr.io/acme/shop-node`). */
  image: string;
  runs: ContainerImage;
  /** The port the container listens on, if the service has one. */
  port?: number;
  /**
   * The port a Compose host publishes it on: the config's port number; undefined for
   * `"auto"` (Compose then picks a free one).
   */
  hostPort?: number;
  /** Plain variables, sorted by name: safe to commit. */
  env: Record<string, string>;
  /** Variables from env files or holding the instance secret, sorted: never committed. */
  secretEnv: Record<string, string>;
  /** Data folders mounted, by the service that owns each; sorted. */
  mounts: string[];
  ready?: ContainerReady;
  /** Only published services, in the order written. */
  dependsOn: Dependency[];
  restart: RestartSpec;
  stop: StopSpec;
}

/** The image berth writes a Dockerfile for, shared by every Node service. */
export interface NodeBuild {
  /** The name it is tagged with. */
  image: string;
  /** The base image (`publish.nodeImage`). */
  from: string;
  /** Where dependencies are installed from lock files, in path order. */
  installs: NodeInstall[];
  /** Files the config names as env files, relative to the project: kept out of the image. */
  envFiles: string[];
}

/** One install of dependencies from a lock file. */
export interface NodeInstall {
  /** The folder with the lock file, relative to the project (`.` for its own). */
  dir: string;
  command: string;
}

export interface ContainerApp {
  /** Real path of the config file. */
  configFile: string;
  projectDir: string;
  /** The project's DNS name: labels, image names, object name prefixes. */
  project: string;
  /** Where built images are pushed (`publish.registry`), if anywhere. */
  registry?: string;
  /** Services in dependency order. */
  services: ContainerService[];
  /** The image for Node services, when one is used. */
  node?: NodeBuild;
  /** Services the config leaves out (`publish: false`). */
  leftOut: string[];
  /** What could not be carried over, one sentence each, for the user to read. */
  notes: string[];
}

/** The DNS name of the service `name` (a data folder's owner, a dependency). */
export function hostOf(app: ContainerApp, name: string): string {
  return app.services.find((s) => s.name === name)?.host ?? name;
}
