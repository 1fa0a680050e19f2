import { describe, expect, test } from "vitest";
import { isBerthError } from "../errors.js";
import { binaryTemplateProblems, renderBinaryTemplate } from "./binary-template.js";
import { inferArchive } from "./binary.js";
import type { NormalizedService } from "./normalized.js";
import type { ServiceConfig } from "./types.js";
import { validateConfig } from "./validate.js";

const file = "/work/app/berth.config.ts";
const digest = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08";
const tool = {
  name: "tool",
  version: "1.4.2",
  url: "https://example.com/v{version}/tool-{platform}.tar.gz",
  path: "tool-{version}/bin/tool",
  sha256: { "linux-x64": digest },
};

const service = (config: Record<string, unknown>): NormalizedService =>
  validateConfig({ services: { store: config } }, file).services[0]!;

function problems(services: Record<string, unknown>): string[] {
  try {
    validateConfig({ services }, file);
  } catch (error) {
    if (isBerthError(error, "CONFIG_INVALID")) return error.details;
    throw error;
  }
  throw new Error("expected the config to be invalid");
}
const storeProblems = (config: Record<string, unknown>) => problems({ store: config });
const binaryProblems = (binary: Record<string, unknown>) => storeProblems({ binary });

describe("binary services", () => {
  test("a binary with every default applied", () => {
    const store = service({ binary: tool, args: ["--port", "{{port}}", "--data", "{{dataDir}}"] });
    expect(store.command).toBeUndefined();
    expect(store.args).toEqual(["--port", "{{port}}", "--data", "{{dataDir}}"]);
    expect(store.binary).toEqual({
      name: "tool",
      version: "1.4.2",
      url: "https://example.com/v{version}/tool-{platform}.tar.gz",
      archive: "tar.gz",
      path: "tool-{version}/bin/tool",
      os: {},
      arch: {},
      sha256: { "linux-x64": digest.toLowerCase() },
      insecure: false,
      check: ["--version"],
    });
    expect(store.port).toEqual({ mode: "auto" });
  });

  test("every field given", () => {
    const store = service({
      binary: {
        name: "tool",
        version: "latest",
        latest: "https://api.github.com/repos/acme/tool/releases/latest",
        url: "https://example.com/{version}/tool_{os}_{arch}",
        archive: "zip",
        path: "tool",
        os: { darwin: "macos" },
        arch: { x64: "amd64", arm64: "aarch64" },
        sha256: { "darwin-arm64": digest },
        insecure: true,
        check: ["version", "--short"],
      },
    });
    expect(store.binary).toMatchObject({
      version: "latest",
      latest: "https://api.github.com/repos/acme/tool/releases/latest",
      archive: "zip",
      os: { darwin: "macos" },
      arch: { x64: "amd64", arm64: "aarch64" },
      insecure: true,
      check: ["version", "--short"],
    });
    expect(service({ binary: { ...tool, check: false } }).binary?.check).toBe(false);
  });

  test("the archive is inferred from the URL; a plain download is saved under the binary's name", () => {
    expect(inferArchive("https://x/tool.zip")).toEqual({ archive: "zip" });
    expect(inferArchive("https://x/tool.TGZ?token=1")).toEqual({ archive: "tar.gz" });
    expect(inferArchive("https://x/tool-linux-x64")).toEqual({ archive: "none" });
    expect(inferArchive("https://x/tool.tar.xz")).toEqual({ unsupported: ".tar.xz" });
    const plain = service({
      binary: { ...tool, url: "https://x/tool-{os}-{arch}", path: undefined },
    });
    expect(plain.binary).toMatchObject({ archive: "none", path: "tool" });
  });

  test("exactly one of command and binary", () => {
    expect(storeProblems({})).toEqual([
      "services.store.command: missing; expected a command: a string run by /bin/sh, or an argv array of strings (or a `binary` to download)",
    ]);
    expect(storeProblems({ command: "x", binary: tool })).toEqual([
      "services.store.binary: a service runs a `command` or a `binary`, not both; remove one",
    ]);
    expect(storeProblems({ command: "x", args: ["-v"] })).toEqual([
      "services.store.args: `args` are the arguments of a `binary`; with a `command`, write them in the command",
    ]);
    expect(storeProblems({ binary: tool, args: "--port 1" })).toEqual([
      'services.store.args: expected an array of argument strings, got "--port 1"',
    ]);
    expect(storeProblems({ binary: tool, args: ["--port", 1] })).toEqual([
      "services.store.args[1]: expected a string, got 1",
    ]);
  });

  test("args templates are checked like any other value", () => {
    expect(
      storeProblems({ binary: tool, args: ["--port", "{{prot}}", "{{services.db.url}}"] }),
    ).toEqual([
      "services.store.args[1]: unknown template variable {{prot}}; did you mean {{port}}? (known: port, url, host, dataDir, name, projectDir, instance.name, instance.secret, services.<name>.port, services.<name>.url, services.<name>.host, services.<name>.dataDir)",
      'services.store.args[2]: {{services.db.url}} refers to a service "db" that does not exist',
    ]);
    expect(storeProblems({ binary: tool, port: false, args: ["{{port}}"] })).toEqual([
      'services.store.args[0]: {{port}} needs a port, but service "store" has `port: false` (remove it, or set a port)',
    ]);
  });

  test("field by field", () => {
    expect(binaryProblems({ ...tool, name: "../x", version: "1.0/2" })).toEqual([
      'services.store.binary.name: expected a binary name of letters, digits, ".", "_" and "-" (it names a cache folder), got "../x"',
      'services.store.binary.version: expected an exact version like "1.4.2", or "latest", got "1.0/2"',
    ]);
    expect(binaryProblems({ ...tool, url: "ftp://x/{verison}.tar.gz" })).toEqual([
      "services.store.binary.url: unknown placeholder {verison}; did you mean {version}? (known: {version}, {os}, {arch}, {platform})",
      'services.store.binary.url: expected an http:// or https:// URL, got "ftp://x/{verison}.tar.gz"',
    ]);
    expect(binaryProblems({ ...tool, url: "https://x/{{version}}.zip" })).toEqual([
      "services.store.binary.url: binary URLs and paths take single-brace placeholders ({version}, {os}, {arch}, {platform}), not {{...}} templates: they are filled in before ports are chosen",
    ]);
    expect(binaryProblems({ ...tool, path: "../bin/tool" })).toEqual([
      'services.store.binary.path: expected a relative path inside the archive (no leading "/", no "..", "/" as separator), got "../bin/tool"',
    ]);
    expect(binaryProblems({ ...tool, archive: "rar", insecure: "yes" })).toEqual([
      'services.store.binary.archive: expected "none", "zip" or "tar.gz", got "rar"',
      'services.store.binary.insecure: expected true or false, got "yes"',
    ]);
    expect(binaryProblems({ ...tool, check: [] })).toEqual([
      'services.store.binary.check: expected at least one argument, like ["--version"]; use false to skip the check',
    ]);
    expect(binaryProblems({ ...tool, check: ["--port", "{{port}}"] })).toEqual([
      "services.store.binary.check: the check runs before ports are chosen, so it cannot use {{...}} templates; pass plain arguments",
    ]);
    expect(binaryProblems({ ...tool, check: true })).toEqual([
      'services.store.binary.check: expected the check\'s arguments, like ["--version"], or false to skip it, got true',
    ]);
    expect(binaryProblems({ ...tool, sha256: { "linux-x64": "abc" } })).toEqual([
      'services.store.binary.sha256.linux-x64: expected a SHA-256 digest (64 hex digits), got "abc"',
    ]);
    expect(binaryProblems({ ...tool, latest: "not a url" })).toEqual([
      'services.store.binary.latest: expected a URL that answers with the latest version, like "https://…/latest", got "not a url"',
    ]);
    expect(binaryProblems({ ...tool, verison: "1" })).toEqual([
      "services.store.binary.verison: unknown key; did you mean `version`?",
    ]);
  });

  test("os and arch maps use Node's names as keys", () => {
    expect(
      binaryProblems({
        ...tool,
        os: { macos: "darwin", beos: "be" },
        arch: { amd64: "x64", x64: "" },
      }),
    ).toEqual([
      "services.store.binary.os.macos: unknown key; did you mean `darwin`? (keys are Node's names, values the URL's)",
      "services.store.binary.os.beos: unknown key; expected one of Node's names: aix, android, darwin, freebsd, haiku, linux, openbsd, sunos, win32, cygwin, netbsd",
      "services.store.binary.arch.amd64: unknown key; did you mean `x64`? (keys are Node's names, values the URL's)",
      'services.store.binary.arch.x64: expected a name of letters, digits, ".", "_" and "-", got ""',
    ]);
  });

  test("rules between fields", () => {
    expect(binaryProblems({ ...tool, path: undefined })).toEqual([
      'services.store.binary.path: missing; expected the executable\'s path inside the tar.gz archive, like "bin/tool"',
    ]);
    expect(binaryProblems({ ...tool, url: "https://x/tool", archive: "none" })).toEqual([
      'services.store.binary.path: only applies to an archive; the download is the executable itself (archive: "none")',
    ]);
    expect(binaryProblems({ ...tool, version: "latest" })).toEqual([
      'services.store.binary.latest: missing; `version: "latest"` needs a URL that answers with the latest version (plain text, or JSON with `version` or `tag_name`), or pin a version',
    ]);
    expect(binaryProblems({ ...tool, url: "https://x/tool.tar.xz" })).toEqual([
      'services.store.binary.url: ends with ".tar.xz", which berth cannot unpack (it unpacks zip and tar.gz); download another format, or set `archive: "none"` if the file is the executable itself',
    ]);
  });

  test("sha256 keys are Node's platform names, with a hint from the URL's names", () => {
    expect(
      binaryProblems({
        ...tool,
        arch: { x64: "amd64" },
        sha256: { "linux-amd64": digest, "macos-aarch64": digest, "beos-x64": digest },
      }),
    ).toEqual([
      'services.store.binary.sha256.linux-amd64: unknown platform "linux-amd64"; did you mean "linux-x64"? (keys use Node\'s names, <process.platform>-<process.arch>, like "linux-x64" or "darwin-arm64")',
      'services.store.binary.sha256.macos-aarch64: unknown platform "macos-aarch64"; did you mean "darwin-arm64"? (keys use Node\'s names, <process.platform>-<process.arch>, like "linux-x64" or "darwin-arm64")',
      'services.store.binary.sha256.beos-x64: unknown platform "beos-x64" (keys use Node\'s names, <process.platform>-<process.arch>, like "linux-x64" or "darwin-arm64")',
    ]);
  });

  test("services sharing a binary name must describe it the same way", () => {
    expect(
      problems({
        a: { binary: tool, args: ["a"] },
        b: { binary: tool, args: ["b"] },
        c: { binary: { ...tool, version: "2.0.0" } },
      }),
    ).toEqual([
      'services.c.binary: binary "tool" is also used by a, described differently; define it once (const tool = { ... }) and use it in both, or give each its own `name`',
    ]);
  });
});

describe("the config's types", () => {
  test("allow exactly one of command and binary, and args only with a binary", () => {
    const ok: ServiceConfig[] = [
      { command: "x" },
      { binary: tool, args: ["--port", "{{port}}"], ready: { tcp: true } },
    ];
    // @ts-expect-error both a command and a binary
    const both: ServiceConfig = { command: "x", binary: tool };
    // @ts-expect-error args belong to a binary
    const args: ServiceConfig = { command: "x", args: ["-v"] };
    // @ts-expect-error neither
    const neither: ServiceConfig = { port: 3000 };
    expect([ok, both, args, neither]).toHaveLength(4);
  });
});

describe("binary placeholders", () => {
  test("render and report", () => {
    const values = { version: "1.2.0", os: "linux", arch: "amd64", platform: "linux-amd64" };
    expect(renderBinaryTemplate("https://x/v{version}/t-{platform}-{os}-{arch}.zip", values)).toBe(
      "https://x/v1.2.0/t-linux-amd64-linux-amd64.zip",
    );
    expect(binaryTemplateProblems("https://x/{version}/{foo}")).toEqual([
      "unknown placeholder {foo} (known: {version}, {os}, {arch}, {platform})",
    ]);
  });
});
