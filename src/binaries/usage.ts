import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { STATE_FILE } from "../model/state.js";
import { readProjects } from "./registry.js";

/** Who uses what: `"<name>/<version>"` → the project folders using it. */
export interface Usage {
  users: Map<string, string[]>;
  /** Registry files of projects whose state.json is gone. */
  gone: string[];
}

export const usageKey = (name: string, version: string) => `${name}/${version}`;

/**
 * What each recorded project uses now, read from its state.json rather than the registry:
 * a project that moved to another version, or was deleted, no longer holds the old one.
 * A state.json that exists but cannot be read keeps what the registry says: when unsure,
 * keep the binary.
 */
export async function binaryUsage(home: string): Promise<Usage> {
  const users = new Map<string, string[]>();
  const gone: string[] = [];
  for (const project of await readProjects(home)) {
    const used = await stateBinaries(project.stateDir);
    if (used === "gone") {
      gone.push(project.file);
      continue;
    }
    for (const [name, version] of Object.entries(used ?? project.binaries)) {
      const key = usageKey(name, version);
      users.set(key, [...(users.get(key) ?? []), dirname(project.stateDir)]);
    }
  }
  return { users, gone };
}

async function stateBinaries(
  stateDir: string,
): Promise<Record<string, string> | "gone" | undefined> {
  let text: string;
  try {
    text = await readFile(join(stateDir, STATE_FILE), "utf8");
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT" ? "gone" : undefined;
  }
  try {
    const binaries = (JSON.parse(text) as { binaries?: unknown }).binaries ?? {};
    if (typeof binaries !== "object" || binaries === null) return undefined;
    return Object.fromEntries(
      Object.entries(binaries).filter(
        (entry): entry is [string, string] => typeof entry[1] === "string",
      ),
    );
  } catch {
    return undefined;
  }
}
