import { access, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { describeFormat, readExecFormat, type ExecFormat } from "./exec-format.js";
import { durationText } from "../duration-text.js";
import type { Platform } from "./platform.js";

/** Why a binary could not run, and what to do about it: one sentence each. */
export interface Diagnosis {
  cause: string;
  todo: string;
}

/** How a check run ended. */
export type Outcome =
  | { kind: "spawn-error"; code: string | undefined }
  | { kind: "exit"; code: number; output: string }
  | { kind: "signal"; signal: string; output: string }
  | { kind: "timeout"; timeoutMs: number };

const osNames: Record<string, string> = { linux: "Linux", darwin: "macOS", win32: "Windows" };

/**
 * Turns a failed run into a cause a person can act on: a missing shared library, a build
 * for another architecture or system, a file that is not executable, a missing
 * interpreter or loader. Falls back to the plain facts (exit code, signal).
 */
export async function diagnose(
  executable: string,
  outcome: Outcome,
  context: { platform: Platform; checkCommand: string },
): Promise<Diagnosis> {
  const format = await readExecFormat(executable);
  const { platform, checkCommand } = context;
  const redownload = `delete ${dirname(executable)} and run berth again to download it anew`;
  const rightBuild = `fix the binary's \`url\` (or its \`os\` / \`arch\` names) so that ${platform.os}-${platform.arch} downloads a build made for it`;

  if (outcome.kind === "spawn-error") {
    const exists = await stat(executable).catch(() => undefined);
    if (!exists) return { cause: `${executable} does not exist`, todo: redownload };
    if (outcome.code === "EACCES") {
      if ((exists.mode & 0o111) === 0) {
        return {
          cause: "it is not executable",
          todo: `run \`chmod +x ${executable}\`, or ${redownload}`,
        };
      }
      return {
        cause:
          "permission to run it was denied although it is executable (is its folder on a file system mounted noexec?)",
        todo: "point $BERTH_HOME at a folder on a file system that allows running programs",
      };
    }
    if (outcome.code === "ENOENT") {
      const missing = await missingInterpreter(format);
      if (missing) return missing;
    }
  }

  const output = "output" in outcome ? outcome.output : "";
  const library =
    /error while loading shared libraries: ([^:\s]+)/.exec(output)?.[1] ??
    /Library not loaded: (\S+)/.exec(output)?.[1];
  if (library) {
    return {
      cause: `a shared library it needs is missing: ${library}`,
      todo: `install the package that provides ${library} (on Debian or Ubuntu, \`apt-file search ${library}\` names it), or use a statically linked build`,
    };
  }
  const foreign = format && foreignFormat(format, platform);
  if (foreign) return { cause: foreign, todo: rightBuild };

  switch (outcome.kind) {
    case "spawn-error":
      return {
        cause: `the system refused to start it (${outcome.code ?? "unknown error"}; it is ${format ? describeFormat(format) : "unreadable"})`,
        todo: rightBuild,
      };
    case "timeout":
      return {
        cause: `the check \`${checkCommand}\` did not finish within ${durationText(outcome.timeoutMs)}`,
        todo: "set the binary's `check` to arguments that make it print something and exit, or `check: false` to skip the check",
      };
    case "signal":
      if (outcome.signal === "SIGKILL" && platform.os === "darwin") {
        return {
          cause: "macOS killed it at start, most likely because it is not signed or is quarantined",
          todo: `run \`xattr -d com.apple.quarantine ${executable}\`, or use a signed build`,
        };
      }
      return {
        cause: `the check \`${checkCommand}\` was killed by ${outcome.signal}`,
        todo: "run the check by hand to see why, or set `check: false` to skip it",
      };
    case "exit": {
      const env = format?.kind === "script" && /\/env$/.test(format.interpreter);
      if (outcome.code === 127 && env && format.argument) {
        return {
          cause: `its interpreter \`${format.argument}\` (from \`#!${format.interpreter} ${format.argument}\`) is not installed or not on PATH`,
          todo: `install ${format.argument}, or use a build that does not need it`,
        };
      }
      return {
        cause: `the check \`${checkCommand}\` exited with code ${outcome.code}`,
        todo: "if the binary does not understand these arguments, set its `check` to ones it does (it must exit with 0), or `check: false` to skip the check",
      };
    }
  }
}

/** ENOENT for a file that exists: the program that should load it is missing. */
async function missingInterpreter(format: ExecFormat | undefined): Promise<Diagnosis | undefined> {
  const path =
    format?.kind === "script"
      ? format.interpreter
      : format?.kind === "elf"
        ? format.interpreter
        : undefined;
  if (
    !path ||
    (await access(path).then(
      () => true,
      () => false,
    ))
  )
    return undefined;
  if (format?.kind === "script") {
    return {
      cause: `it is a script for ${path}, which does not exist on this machine`,
      todo: `install ${path}, or use a build of the binary made for this system`,
    };
  }
  const libc = /musl/.test(path)
    ? " (it was built for musl libc, as on Alpine)"
    : /ld-linux/.test(path)
      ? " (it was built for glibc)"
      : "";
  return {
    cause: `its dynamic loader ${path} does not exist on this machine${libc}`,
    todo: "use the build of the binary made for this system's C library (glibc or musl), or a statically linked one",
  };
}

/** A build for another architecture or system, or not a program at all. */
function foreignFormat(format: ExecFormat, platform: Platform): string | undefined {
  const here = `${osNames[platform.os] ?? platform.os} on ${platform.arch}`;
  const it = describeFormat(format);
  switch (format.kind) {
    case "elf":
      if (platform.os === "darwin") return `it is ${it}, but this machine runs ${here}`;
      return format.arch !== undefined && format.arch !== platform.arch
        ? `it is ${it}, but this machine is ${here} (wrong architecture)`
        : undefined;
    case "mach-o":
      if (platform.os !== "darwin") return `it is ${it}, but this machine runs ${here}`;
      return format.arches.includes(platform.arch)
        ? undefined
        : `it is ${it}, but this machine is ${here} (wrong architecture)`;
    case "windows":
      return `it is ${it}, but this machine runs ${here}`;
    case "empty":
    case "unknown":
      return `it is ${it}; the download may be a web page or the wrong file of the archive`;
    case "script":
      return undefined;
  }
}
