import { closeSync, fstatSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { join } from "node:path";

/**
 * Reading `.berth/logs/` when no host runs (`berth logs` after a crash). A service's file
 * holds its output as written, with berth's `--- starting: <command>` line before each
 * process; it is rotated by size into `<service>.log.1`, `.2`, …
 */

/** One service's log file. */
export interface ServiceLogFile {
  service: string;
  file: string;
  /** When it was last written: the order of the services' last output. */
  mtimeMs: number;
}

/** Every service log file in `logsDir` (none when the folder does not exist). */
export function serviceLogFiles(logsDir: string): ServiceLogFile[] {
  let names: string[];
  try {
    names = readdirSync(logsDir);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const service = /^(.+)\.log$/.exec(name)?.[1];
    if (service === undefined) return [];
    const file = join(logsDir, name);
    const stats = statSync(file, { throwIfNoEntry: false });
    return stats?.isFile() ? [{ service, file, mtimeMs: stats.mtimeMs }] : [];
  });
}

/**
 * The last `count` lines of a log file, reaching into its rotated copies when it holds
 * fewer. Read from the end, so a 10 MiB file costs what the lines cost.
 */
export function lastLines(file: string, count: number): string[] {
  let lines: string[] = [];
  for (let i = 0; lines.length < count; i++) {
    const older = tailOf(i === 0 ? file : `${file}.${i}`, count - lines.length);
    if (older === undefined) break;
    // Not unshift(...older): 100 000 arguments overflow the stack.
    lines = older.concat(lines);
  }
  return lines;
}

const CHUNK = 64 * 1024;

/** The last `count` lines of one file; undefined when it does not exist. */
function tailOf(file: string, count: number): string[] | undefined {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return undefined;
  }
  try {
    let position = fstatSync(fd).size;
    const chunks: Buffer[] = [];
    let newlines = 0;
    // One newline more than lines wanted: the line before the first one kept has ended.
    while (position > 0 && newlines <= count) {
      const length = Math.min(CHUNK, position);
      position -= length;
      const chunk = Buffer.alloc(length);
      readSync(fd, chunk, 0, length, position);
      chunks.unshift(chunk);
      for (const byte of chunk) if (byte === 0x0a) newlines++;
    }
    // Cut at newlines only, so no UTF-8 character is split before decoding.
    const text = Buffer.concat(chunks).toString("utf8");
    const lines = text.split("\n");
    if (lines.at(-1) === "") lines.pop();
    return count === 0 ? [] : lines.slice(-count);
  } finally {
    closeSync(fd);
  }
}
