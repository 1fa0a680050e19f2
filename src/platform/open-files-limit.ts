import { readFileSync } from "node:fs";

/**
 * This process's limit of open files (the soft limit, `ulimit -n`), or undefined where it
 * cannot be read (no /proc).
 *
 * @example
 * openFilesLimit(); // 1024
 */
export function openFilesLimit(): number | undefined {
  try {
    const limits = readFileSync("/proc/self/limits", "utf8");
    const soft = /^Max open files\s+(\d+|unlimited)/m.exec(limits)?.[1];
    return soft === undefined || soft === "unlimited" ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}

/** "the limit is 64 open files (`ulimit -n`)", or a general word without /proc. */
export function openFilesLimitText(): string {
  const limit = openFilesLimit();
  return limit === undefined
    ? "the limit of open files (`ulimit -n`) is reached"
    : `the limit is ${limit} open files (\`ulimit -n\`)`;
}
