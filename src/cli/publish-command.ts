/**
 * `berth publish` as the CLI runs it: the bundle of its own (dist/cli/publish.cjs, see
 * scripts/bundle.mjs) holds this and publish/, whose YAML library and Kubernetes models no
 * other command loads. It prints its own errors: an error class of this bundle is not the
 * CLI bundle's.
 */
import { relative, resolve } from "node:path";
import { ExitCode } from "../errors.js";
import { createStyles, shouldUseColor } from "../platform/terminal/colors.js";
import { publish, type PublishResult, type PublishTarget } from "../publish/index.js";
import { printError } from "./print-error.js";

export interface PublishCommandOptions {
  cwd: string;
  configPath?: string;
  target: PublishTarget;
  out?: string;
  force: boolean;
  verbose: boolean;
}

/** Writes the files, says what it wrote and what to run next; returns the exit code. */
export async function publishCommand(options: PublishCommandOptions): Promise<number> {
  const styles = createStyles(shouldUseColor(process.stderr, process.env));
  try {
    const outcome = await publish({
      ...options,
      warn: (message) => process.stderr.write(`${styles.yellow("warning")} ${message}\n`),
    });
    process.stdout.write(report(outcome, options));
    return ExitCode.ok;
  } catch (error) {
    return printError(error, options.verbose);
  }
}

function report(outcome: PublishResult, options: PublishCommandOptions): string {
  const { app, outDir, files, result } = outcome;
  const shown = (path: string) => relative(options.cwd, path) || ".";
  const folder = shown(outDir);
  const secret = new Set(files.filter((f) => f.secret).map((f) => f.path));
  const name = (path: string) => (secret.has(path) ? `${path} (secret, not committed)` : path);
  const lines = [
    `${options.target === "compose" ? "Compose" : "Kubernetes"} files for ${app.services.length} service${app.services.length === 1 ? "" : "s"} in ${folder}/`,
  ];
  if (result.written.length > 0) lines.push(`  written: ${result.written.map(name).join(", ")}`);
  if (result.unchanged.length > 0)
    lines.push(`  unchanged: ${result.unchanged.map(name).join(", ")}`);
  if (result.removed.length > 0)
    lines.push(`  removed (no longer made): ${result.removed.join(", ")}`);
  if (result.keptEdited.length > 0) {
    lines.push(`  kept (no longer made, but edited): ${result.keptEdited.join(", ")}`);
  }
  if (app.leftOut.length > 0) lines.push(`  left out (publish: false): ${app.leftOut.join(", ")}`);
  if (app.notes.length > 0) lines.push("", "Notes:", ...app.notes.map((n) => `  - ${n}`));
  lines.push("", "Next:");
  const project = shown(app.projectDir);
  const secrets = files.filter((f) => f.secret).map((f) => f.path);
  if (options.target === "compose") {
    lines.push(`  docker compose -f ${folder}/compose.yaml up --build   (or docker-compose)`);
  } else {
    const images = new Map<string, string>();
    if (app.node) images.set(app.node.image, `-f ${folder}/Dockerfile ${project}`);
    for (const service of app.services) {
      if (service.runs.kind !== "build") continue;
      const context = resolve(app.projectDir, service.runs.context);
      const dockerfile = resolve(context, service.runs.dockerfile);
      images.set(service.image, `-f ${shown(dockerfile)} ${shown(context)}`);
    }
    for (const [image, args] of images) lines.push(`  docker build -t ${image} ${args}`);
    if (images.size > 0 && app.registry === undefined) {
      lines.push(
        "  then load them into the cluster (kind load docker-image, minikube image load), or set publish.registry and push them",
      );
    }
    if (app.registry !== undefined)
      for (const image of images.keys()) lines.push(`  docker push ${image}`);
    lines.push(`  kubectl apply -k ${folder}`);
  }
  if (secrets.length > 0) {
    lines.push(
      "",
      `${secrets.join(", ")} hold${secrets.length === 1 ? "s" : ""} the secret values and ${secrets.length === 1 ? "is" : "are"} not committed: on another machine, run berth publish there (it uses that machine's env files and instance secret), or hand ${secrets.length === 1 ? "it" : "them"} over yourself.`,
    );
  }
  return `${lines.join("\n")}\n`;
}
