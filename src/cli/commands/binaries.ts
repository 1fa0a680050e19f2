import { homedir } from "node:os";
import { formatBytes } from "../../binaries/bytes.js";
import { binariesDir } from "../../binaries/cache.js";
import { listBinaries, pruneBinaries, type CachedBinary } from "../../binaries/inventory.js";
import { table } from "../output/table.js";

/**
 * `berth binaries`: what is cached, and who uses it. `--json` prints the `CachedBinary`
 * array (stable; see README).
 */
export async function binariesCommand(options: { json: boolean }): Promise<number> {
  const binaries = await listBinaries();
  if (options.json) {
    process.stdout.write(`${JSON.stringify(binaries, null, 2)}\n`);
    return 0;
  }
  if (binaries.length === 0) {
    process.stdout.write(`No binaries are cached (in ${tilde(binariesDir())}).\n`);
    return 0;
  }
  const rows = [["NAME", "VERSION", "SIZE", "INSTALLED", "USED BY"]];
  for (const b of binaries) {
    rows.push([
      b.name,
      b.version,
      formatBytes(b.sizeBytes),
      b.installedAt === null ? "incomplete" : shortDate(b.installedAt),
      b.usedBy.length === 0 ? "-" : b.usedBy.map(tilde).join(", "),
    ]);
  }
  const total = binaries.reduce((sum, b) => sum + b.sizeBytes, 0);
  const count = binaries.length === 1 ? "1 version" : `${binaries.length} versions`;
  process.stdout.write(
    `${table(rows)}\n\n${count}, ${formatBytes(total)} in ${tilde(binariesDir())}\n`,
  );
  return 0;
}

/**
 * `berth binaries prune [--dry-run]`: removes the versions no project uses. `--json` prints
 * the `PruneResult` (stable; see README).
 */
export async function binariesPruneCommand(options: {
  dryRun: boolean;
  json: boolean;
}): Promise<number> {
  const result = await pruneBinaries({ dryRun: options.dryRun });
  if (options.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  }
  const lines: string[] = [];
  const verb = options.dryRun ? "Would remove" : "Removed";
  for (const b of result.removed) lines.push(`${verb} ${label(b)} (${formatBytes(b.sizeBytes)})`);
  for (const b of result.kept) {
    const why =
      b.reason === "in use"
        ? `used by ${b.usedBy.map(tilde).join(", ")}`
        : "installed less than 10 minutes ago";
    lines.push(`Kept ${label(b)}: ${why}`);
  }
  if (result.removed.length === 0) {
    lines.push(
      result.kept.length === 0 ? "Nothing to prune: no binaries are cached." : "Nothing to prune.",
    );
  } else {
    lines.push(`${options.dryRun ? "Would free" : "Freed"} ${formatBytes(result.freedBytes)}.`);
  }
  process.stdout.write(`${lines.join("\n")}\n`);
  return 0;
}

const label = (b: CachedBinary) => `${b.name} ${b.version}`;

function tilde(path: string): string {
  const home = homedir();
  return path === home || path.startsWith(`${home}/`) ? `~${path.slice(home.length)}` : path;
}

/** `2026-03-14 09:26`, local time. */
function shortDate(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
