import type { BinaryPlaceholders } from "../config/binary-template.js";
import type { NormalizedBinary } from "../config/normalized.js";

/** The machine a binary is fetched for, in Node's names (`process.platform`, `process.arch`). */
export interface Platform {
  os: string;
  arch: string;
}

/** This machine. */
export function currentPlatform(): Platform {
  return { os: process.platform, arch: process.arch };
}

/** `linux-x64`: how `sha256` keys and cache markers name a platform (always Node's names). */
export function platformKey(platform: Platform): string {
  return `${platform.os}-${platform.arch}`;
}

/**
 * The values of a binary's `{version}`, `{os}`, `{arch}` and `{platform}` placeholders:
 * the URL's own names where the config maps Node's.
 *
 * @example placeholders(spec, "1.2.0", { os: "linux", arch: "x64" }) // { version: "1.2.0", os: "linux", arch: "amd64", platform: "linux-amd64" }
 */
export function placeholders(
  spec: Pick<NormalizedBinary, "os" | "arch">,
  version: string,
  platform: Platform,
): BinaryPlaceholders {
  const os = spec.os[platform.os] ?? platform.os;
  const arch = spec.arch[platform.arch] ?? platform.arch;
  return { version, os, arch, platform: `${os}-${arch}` };
}
