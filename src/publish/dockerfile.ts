import { APP_ROOT, type ContainerApp, type NodeBuild } from "./app.js";
import { MARK } from "./write-files.js";

/** Package files: all of them are copied before installing, so workspaces install whole. */
const PACKAGE_FILES =
  /^(package\.json|package-lock\.json|npm-shrinkwrap\.json|pnpm-lock\.yaml|pnpm-workspace\.yaml|yarn\.lock|\.yarnrc\.yml)$/;

/**
 * Run with Node in the first stage: deletes what must not be in the image, wherever it is
 * (installed modules, git's and berth's folders, env files but examples, `.npmrc` and
 * `.envrc`, which may hold tokens, every file berth publish wrote: they hold secret
 * values), and gathers the package files into /packages.
 * Its arguments are the env files the config names by other names.
 */
const PREPARE = `
const fs = require("node:fs");
const path = require("node:path");
const named = new Set(process.argv.slice(1));
const mark = ${JSON.stringify(MARK)};
const berths = (file) => {
  const fd = fs.openSync(file, "r");
  const head = Buffer.alloc(mark.length);
  fs.readSync(fd, head, 0, head.length, 0);
  fs.closeSync(fd);
  return head.toString() === mark;
};
const walk = (dir) => {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    const rel = path.relative(${JSON.stringify(APP_ROOT)}, file);
    if (entry.isDirectory()) {
      if (["node_modules", ".git", ".berth"].includes(entry.name)) fs.rmSync(file, { recursive: true });
      else walk(file);
    } else if (named.has(rel) || [".npmrc", ".envrc"].includes(entry.name) || (/^\\.env(\\..+)?$/.test(entry.name) && !/\\.(example|sample|template)$/.test(entry.name)) || (entry.isFile() && berths(file))) {
      fs.rmSync(file);
    } else if (${PACKAGE_FILES.toString()}.test(entry.name)) {
      fs.mkdirSync(path.dirname(path.join("/packages", rel)), { recursive: true });
      fs.copyFileSync(file, path.join("/packages", rel));
    }
  }
};
fs.mkdirSync("/packages");
walk(${JSON.stringify(APP_ROOT)});
`.trim();

/**
 * The Dockerfile of the image every Node service runs in: the project's files, without
 * what `PREPARE` leaves out, and its dependencies installed from the lock files. It has no
 * command of its own: each service names its own (Compose `command`, Kubernetes `command`).
 *
 * The first stage copies the whole project and cleans it, so that no `.dockerignore` of the
 * user's is needed (or changed); only the second stage is the image. The package files are
 * copied and installed before the rest, so installing is redone only when they change.
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
    `RUN ${JSON.stringify(["node", "-e", PREPARE, "--", ...node.envFiles])}`,
    ``,
    `FROM ${node.from}`,
    `WORKDIR ${APP_ROOT}`,
    // Commands find the project's own tools (vite, tsx) as `npm run` and berth let them.
    `ENV PATH=${[...bins].sort((a, b) => b.length - a.length || (a < b ? -1 : 1)).join(":")}:$PATH`,
  ];
  if (node.installs.length > 0) {
    lines.push(`COPY --from=project /packages ./`);
    for (const install of node.installs) {
      const into = install.dir === "." ? "" : `cd ${JSON.stringify(install.dir)} && `;
      lines.push(`RUN ${into}${install.command}`);
    }
  }
  lines.push(`COPY --from=project ${APP_ROOT} ./`);
  return `${lines.join("\n")}\n`;
}

function parent(dir: string): string {
  const at = dir.lastIndexOf("/");
  return at <= 0 ? "/" : dir.slice(0, at);
}
