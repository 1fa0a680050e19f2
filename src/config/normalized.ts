/**
 * The validated config with every default applied, before anything about the machine is
 * known: templates (`{{services.api.url}}`) are still unrendered and ports not yet chosen.
 * `model/plan.ts` turns it into the `AppModel` the supervisor runs.
 */
import type { Dependency, RestartSpec, StopSpec } from "../model/app.js";

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

export interface NormalizedService {
  name: string;
  oneshot: boolean;
  /** A string runs through `/bin/sh -c`; an array is an argv. Templates unrendered. */
  command: string | string[];
  /** Relative to the project dir, or absolute; templates unrendered. */
  cwd?: string;
  /** Values stringified; templates unrendered. */
  env: Record<string, string>;
  /** `null`: the service gets no port. */
  port: PortRequest | null;
  ready?: NormalizedReady;
  dependsOn: Dependency[];
  restart: RestartSpec;
  stop: StopSpec;
}

export interface NormalizedConfig {
  /** Real path of the config file. */
  file: string;
  /** Folder holding the config file. */
  projectDir: string;
  /** The user's name for the instance, if they gave one. */
  name?: string;
  /** In the order the user wrote them. */
  services: NormalizedService[];
}
