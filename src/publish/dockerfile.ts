import { APP_ROOT, type ContainerApp, type NodeBuild } from "./app.js";

/**
 * The Dockerfile of the image every Node service runs in: the project's files, without
 * berth's state, the env files, installed modules or the output folder, and the
 * dependencies installed from the lock file. It has no command of its own: each service
 * names its own (Compose `command`, Kubernetes `command`).
 *
 * The first stage copies the whole project and deletes what must not be in the image, so
 * that no `.dockerignore` of the user's is needed (or changed); only the second stage is
 * the image. The lock file is copied before the rest, so installing is redone only when
 * the dependencies change.
 */
export function nodeDockerfile(node: NodeBuild, app: ContainerApp): string {
  const bins = new Set<string>();
  for (const service of app.services) {
    if (service.runs.kind !== "node") continue;
    for (let dir = service.runs.workingDir; dir.startsWith(APP_ROOT); dir = parent(dir)) {
      bins.add(`${dir}/node_modules/.bin`);
    }
  }
  const lines = [
    `FROM ${node.from} AS project`,
    `WORKDIR ${APP_ROOT}`,
    `COPY . .`,
    `RUN rm -rf ${node.leaveOut.map(shellWord).join(" ")}`,
    ``,
    `FROM ${node.from}`,
    `WORKDIR ${APP_ROOT}`,
    // Commands find the project's own tools (vite, tsx) as `npm run` and berth let them.
    `ENV PATH=${[...bins].sort((a, b) => b.length - a.length || (a < b ? -1 : 1)).join(":")}:$PATH`,
  ];
  if (node.install) {
    const files = node.install.files.map((f) => `${APP_ROOT}/${f}`).join(" ");
    lines.push(`COPY --from=project ${files} ./`, `RUN ${node.install.command}`);
  }
  lines.push(`COPY --from=project ${APP_ROOT} ./`);
  return `${lines.join("\n")}\n`;
}

function parent(dir: string): string {
  const at = dir.lastIndexOf("/");
  return at <= 0 ? "/" : dir.slice(0, at);
}

function shellWord(text: string): string {
  return /^[A-Za-z0-9_./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
