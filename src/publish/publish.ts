import { basename, join, resolve } from "node:path";
import { findConfig, loadConfig, validateConfig } from "../config/index.js";
import { ensureInstance } from "../model/instance.js";
import { ensureStateDir, readState, writeState } from "../model/state.js";
import type { ContainerApp } from "./app.js";
import { composeFiles } from "./compose.js";
import { kubernetesFiles } from "./kubernetes.js";
import { planContainers } from "./plan.js";
import { writeOutput, type OutputFile, type WriteResult } from "./write-files.js";

/** The engines berth writes for. */
export type PublishTarget = "compose" | "kubernetes";

export interface PublishOptions {
  cwd: string;
  /** `--config`: a file or folder, relative to `cwd`. */
  configPath?: string;
  target: PublishTarget;
  /** `--out`, relative to `cwd`. Default: `<project>/deploy/<target>`. */
  out?: string;
  /** Replace files the user edited. */
  force: boolean;
  /** Warnings met on the way (a state file that had to be set aside). */
  warn: (message: string) => void;
}

export interface PublishResult {
  app: ContainerApp;
  outDir: string;
  files: OutputFile[];
  result: WriteResult;
}

/**
 * `berth publish`: writes the project's app model as files for a real engine. The output
 * depends on the config, the env files and the instance secret only, never on the shell's
 * environment or what runs now, so publishing twice gives the same bytes.
 *
 * @throws BerthError `PUBLISH_UNSUPPORTED` (a service cannot run in a container as written),
 *   `PUBLISH_FILES_EDITED` (a file to replace was edited), or a config error.
 */
export async function publish(options: PublishOptions): Promise<PublishResult> {
  const file = findConfig(options.cwd, options.configPath);
  // An empty environment: what the shell has set must not change the files written.
  const config = validateConfig(await loadConfig(file), file, {});
  const stateDir = await ensureStateDir(config.projectDir);
  const loaded = await readState(stateDir, { warn: options.warn });
  const { state, instance, changed } = ensureInstance(loaded, {
    configName: config.name,
    projectDir: config.projectDir,
    appHostPath: file,
  });
  // Only a first use makes a secret; a name that changed is the next run's to save.
  if (changed && loaded.instance === undefined) await writeState(stateDir, state);

  const outDir =
    options.out === undefined
      ? join(config.projectDir, "deploy", options.target)
      : resolve(options.cwd, options.out);
  const app = planContainers(config, { secret: instance.secret });
  const files = options.target === "compose" ? composeFiles(app, outDir) : kubernetesFiles(app);
  const result = await writeOutput(outDir, files, {
    source: basename(file),
    force: options.force,
    cwd: options.cwd,
  });
  return { app, outDir, files, result };
}
