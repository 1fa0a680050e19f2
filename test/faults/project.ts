import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { runBerth } from "../helpers/cli.js";
import { track } from "../helpers/processes.js";
import { fixturesDir, tempProject } from "../helpers/project.js";

/** A fixture's path, as a JS string literal for a config. */
export const fixture = (name: string) => JSON.stringify(join(fixturesDir, name));
export const node = JSON.stringify(process.execPath);

/** A temp project whose `berth.config.mjs` has these services (JS object members). */
export function projectWith(services: string, files: Record<string, string> = {}): string {
  return tempProject({
    "berth.config.mjs": `export default { services: { ${services} } };\n`,
    ...files,
  });
}

/** `berth run --detach` that must succeed; its host is tracked for clean-up. */
export async function detach(dir: string): Promise<string> {
  const up = await runBerth(["run", "--detach"], { cwd: dir });
  const host = JSON.parse(readFileSync(join(dir, ".berth", "host.json"), "utf8")) as {
    pid: number;
  };
  track(host.pid);
  if (up.code !== 0) throw new Error(`berth run --detach exited ${up.code}:\n${up.output}`);
  return up.output;
}

/** Every path under `dir`, files and folders, depth first. */
export function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? [path, ...walk(path)] : [path];
  });
}

/** The file's size, 0 when it does not exist. */
export function sizeOf(file: string): number {
  return statSync(file, { throwIfNoEntry: false })?.size ?? 0;
}
