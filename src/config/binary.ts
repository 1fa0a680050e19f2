/** The `binary` field of a service: a versioned executable berth downloads and caches. */
import * as z from "zod";
import { templateReferences } from "./template.js";
import { binaryTemplateProblems } from "./binary-template.js";
import { byType, expected, strict, text } from "./fields.js";
import { describe, expectedMessage, isPlainObject } from "./issues.js";
import type { BinaryArchive, NormalizedBinary } from "./normalized.js";
import { closest } from "./suggest.js";
import type { NodeArch, NodePlatform } from "./types.js";

/** Node's `process.platform` and `process.arch` values: the keys of `os`, `arch` and `sha256`. */
export const NODE_PLATFORMS = [
  "aix",
  "android",
  "darwin",
  "freebsd",
  "haiku",
  "linux",
  "openbsd",
  "sunos",
  "win32",
  "cygwin",
  "netbsd",
] as const satisfies readonly NodePlatform[];
export const NODE_ARCHES = [
  "arm",
  "arm64",
  "ia32",
  "loong64",
  "mips",
  "mipsel",
  "ppc",
  "ppc64",
  "riscv64",
  "s390",
  "s390x",
  "x64",
] as const satisfies readonly NodeArch[];

export const DEFAULT_CHECK = ["--version"];

/**
 * Names and versions become folder names in the cache, so they must be one safe path
 * segment: no "/", no leading "." (which also rules out ".." and hidden files).
 */
const segment = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;
export const isVersion = (v: unknown): v is string =>
  typeof v === "string" && v.length <= 100 && segment.test(v);
const isName = (v: unknown): v is string =>
  typeof v === "string" && v.length <= 100 && /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(v);

const httpUrl = (what: string) =>
  z.custom<string>((v) => typeof v === "string" && /^https?:\/\/\S+$/.test(v), expected(what));

/** A string with single-brace placeholders; `check` narrows it further. */
function placeholderText(what: string, check?: (value: string) => string | undefined) {
  return text(what).transform((value, ctx) => {
    for (const message of [...binaryTemplateProblems(value), check?.(value)]) {
      if (message) ctx.issues.push({ code: "custom", message, input: value });
    }
    return value;
  });
}

const archivePath = placeholderText("the executable's path inside the archive", (path) =>
  path.startsWith("/") || path.includes("\\") || path.split("/").includes("..")
    ? `expected a relative path inside the archive (no leading "/", no "..", "/" as separator), got ${describe(path)}`
    : undefined,
);

/** What release pages often call Node's platforms and architectures. */
const commonNames: Record<string, string> = {
  macos: "darwin",
  osx: "darwin",
  mac: "darwin",
  windows: "win32",
  win: "win32",
  amd64: "x64",
  x86_64: "x64",
  aarch64: "arm64",
  x86: "ia32",
  "386": "ia32",
  i386: "ia32",
};

/** `{ darwin: "macos" }`: keys are Node's names, values the names the URL uses. */
function nameMap(known: readonly string[], what: string) {
  return z
    .custom<Record<string, unknown>>(isPlainObject, expected(`an object like ${what}`))
    .transform((map, ctx) => {
      for (const [key, value] of Object.entries(map)) {
        if (!known.includes(key)) {
          const guess = commonNames[key.toLowerCase()] ?? closest(key, known);
          ctx.issues.push({
            code: "custom",
            path: [key],
            message: `unknown key; ${guess ? `did you mean \`${guess}\`? (keys are Node's names, values the URL's)` : `expected one of Node's names: ${known.join(", ")}`}`,
            input: key,
          });
        } else if (!isName(value)) {
          ctx.issues.push({
            code: "custom",
            path: [key],
            message: expectedMessage('a name of letters, digits, ".", "_" and "-"', value),
            input: value,
          });
        }
      }
      return map as Record<string, string>;
    });
}

const digests = z
  .custom<Record<string, unknown>>(
    isPlainObject,
    expected('an object of SHA-256 digests by platform, like { "linux-x64": "<64 hex digits>" }'),
  )
  .transform((map, ctx) => {
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(map)) {
      if (typeof value !== "string" || !/^[0-9a-fA-F]{64}$/.test(value)) {
        ctx.issues.push({
          code: "custom",
          path: [key],
          message: expectedMessage("a SHA-256 digest (64 hex digits)", value),
          input: value,
        });
      } else out[key] = value.toLowerCase();
    }
    return out;
  });

const check = byType('the check\'s arguments, like ["--version"], or false to skip it', (value) =>
  value === false
    ? z.literal(false)
    : Array.isArray(value)
      ? z
          .array(z.custom<string>((v) => typeof v === "string", expected("a string")))
          .refine((args) => args.length > 0, {
            error:
              'expected at least one argument, like ["--version"]; use false to skip the check',
          })
          .refine((args) => args.every((arg) => templateReferences(arg).length === 0), {
            error:
              "the check runs before ports are chosen, so it cannot use {{...}} templates; pass plain arguments",
          })
      : undefined,
);

const archives = ["none", "zip", "tar.gz"] as const;

export const binarySchema = strict(
  {
    name: z.custom<string>(
      isName,
      expected('a binary name of letters, digits, ".", "_" and "-" (it names a cache folder)'),
    ),
    version: z.custom<string>(
      (v) => v === "latest" || isVersion(v),
      expected('an exact version like "1.4.2", or "latest"'),
    ),
    url: placeholderText("a download URL", (url) =>
      /^https?:\/\/\S+$/.test(url)
        ? undefined
        : `expected an http:// or https:// URL, got ${describe(url)}`,
    ),
    archive: z.enum(archives, expected('"none", "zip" or "tar.gz"')).optional(),
    path: archivePath.optional(),
    os: nameMap(NODE_PLATFORMS, '{ darwin: "macos", win32: "windows" }').optional(),
    arch: nameMap(NODE_ARCHES, '{ x64: "amd64", arm64: "aarch64" }').optional(),
    sha256: digests.optional(),
    insecure: z.boolean(expected("true or false")).optional(),
    latest: httpUrl(
      'a URL that answers with the latest version, like "https://…/latest"',
    ).optional(),
    check: check.optional(),
  },
  "a binary: { name, version, url, sha256, ... }",
).transform((b, ctx): NormalizedBinary => {
  const problem = (path: PropertyKey[], message: string) =>
    ctx.issues.push({ code: "custom", path, message, input: b });
  const inferred = inferArchive(b.url);
  if (b.archive === undefined && "unsupported" in inferred) {
    problem(
      ["url"],
      `ends with "${inferred.unsupported}", which berth cannot unpack (it unpacks zip and tar.gz); download another format, or set \`archive: "none"\` if the file is the executable itself`,
    );
  }
  const archive = b.archive ?? ("archive" in inferred ? inferred.archive : "none");
  if (archive !== "none" && b.path === undefined) {
    problem(
      ["path"],
      `missing; expected the executable's path inside the ${archive} archive, like "bin/${b.name}"`,
    );
  }
  if (archive === "none" && b.path !== undefined && !("unsupported" in inferred && !b.archive)) {
    problem(
      ["path"],
      'only applies to an archive; the download is the executable itself (archive: "none")',
    );
  }
  if (b.version === "latest" && b.latest === undefined) {
    problem(
      ["latest"],
      'missing; `version: "latest"` needs a URL that answers with the latest version (plain text, or JSON with `version` or `tag_name`), or pin a version',
    );
  }
  for (const [key] of Object.entries(b.sha256 ?? {})) {
    const message = platformKeyProblem(key, b.os ?? {}, b.arch ?? {});
    if (message) problem(["sha256", key], message);
  }
  return {
    name: b.name,
    version: b.version,
    url: b.url,
    archive,
    path: archive === "none" ? b.name : (b.path ?? ""),
    os: b.os ?? {},
    arch: b.arch ?? {},
    sha256: b.sha256 ?? {},
    insecure: b.insecure ?? false,
    ...(b.latest === undefined ? {} : { latest: b.latest }),
    check: b.check ?? DEFAULT_CHECK,
  };
});

/** The archive type a URL's extension implies, or the extension berth cannot unpack. */
export function inferArchive(url: string): { archive: BinaryArchive } | { unsupported: string } {
  const path = url.split(/[?#]/)[0]!.toLowerCase();
  if (path.endsWith(".zip")) return { archive: "zip" };
  if (path.endsWith(".tar.gz") || path.endsWith(".tgz")) return { archive: "tar.gz" };
  const unsupported = [".tar.xz", ".tar.bz2", ".tar.zst", ".txz", ".tbz2", ".tar", ".gz"]
    .concat([".xz", ".bz2", ".zst", ".7z", ".rar", ".dmg", ".pkg", ".msi", ".deb", ".rpm"])
    .find((ext) => path.endsWith(ext));
  return unsupported ? { unsupported } : { archive: "none" };
}

/** Digests are keyed by Node's names, so the same key works whatever the URL calls them. */
function platformKeyProblem(
  key: string,
  os: Record<string, string>,
  arch: Record<string, string>,
): string | undefined {
  const [platform = "", cpu = "", ...rest] = key.split("-");
  const isPlatform = (v: string) => (NODE_PLATFORMS as readonly string[]).includes(v);
  const isArch = (v: string) => (NODE_ARCHES as readonly string[]).includes(v);
  if (isPlatform(platform) && isArch(cpu) && rest.length === 0) return undefined;
  // The URL's names (`linux-amd64`) are a likely mistake: point back to Node's.
  const nodeName = (value: string, map: Record<string, string>, known: readonly string[]) =>
    Object.entries(map).find(([, mapped]) => mapped === value)?.[0] ??
    commonNames[value.toLowerCase()] ??
    closest(value, known) ??
    value;
  const guess = `${nodeName(platform, os, NODE_PLATFORMS)}-${nodeName(cpu, arch, NODE_ARCHES)}`;
  const [p, a] = guess.split("-") as [string, string];
  const hint = rest.length === 0 && isPlatform(p) && isArch(a) ? `; did you mean "${guess}"?` : "";
  return `unknown platform "${key}"${hint} (keys use Node's names, <process.platform>-<process.arch>, like "linux-x64" or "darwin-arm64")`;
}
