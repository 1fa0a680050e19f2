import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Podman } from "./podman.js";

/** The name the tests' configs give as `publish.nodeImage`. */
export const TEST_NODE_IMAGE = "localhost/berth-test-node:20";

/**
 * A Node base image made without any registry: a root filesystem holding this machine's
 * `node`, `/bin/sh` and `/usr/bin/env` with the libraries `ldd` lists for them, and npm
 * (the generated Dockerfile installs with the project's package manager), imported with
 * `podman import`. Labelled with a key over those files' contents, so a store that already
 * holds the same image keeps it.
 */
export async function ensureNodeImage(podman: Podman, name = TEST_NODE_IMAGE): Promise<string> {
  const node = realpathSync(process.execPath);
  const programs = [node, "/bin/sh", "/usr/bin/env"];
  const files = new Set<string>();
  for (const program of programs) {
    files.add(program);
    for (const library of libraries(realpathSync(program))) files.add(library);
  }
  const npm = npmFolder(node);
  const key = contentKey([...files], npm);
  const existing = await podman.run(
    ["image", "inspect", "--format", '{{index .Labels "berth.test.key"}}', name],
    { allowFailure: true },
  );
  if (existing.code === 0 && existing.stdout.trim() === key) return name;

  const rootfs = mkdtempSync(join(tmpdir(), "node-rootfs-"));
  try {
    for (const file of files) {
      // Copied to the path it is asked for by (the loader looks there), with the content of
      // what the link points to.
      mkdirSync(join(rootfs, dirname(file)), { recursive: true });
      copyFileSync(realpathSync(file), join(rootfs, file));
      chmodSync(join(rootfs, file), statSync(realpathSync(file)).mode);
    }
    if (!files.has("/usr/bin/node")) {
      mkdirSync(join(rootfs, "usr/bin"), { recursive: true });
      symlinkSync(node, join(rootfs, "usr/bin/node"));
    }
    if (npm) {
      cpSync(npm, join(rootfs, "usr/lib/node_modules/npm"), { recursive: true });
      symlinkSync("../lib/node_modules/npm/bin/npm-cli.js", join(rootfs, "usr/bin/npm"));
    }
    mkdirSync(join(rootfs, "tmp"), { mode: 0o1777 });
    chmodSync(join(rootfs, "tmp"), 0o1777);
    mkdirSync(join(rootfs, "etc"));
    writeFileSync(join(rootfs, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
    writeFileSync(join(rootfs, "etc/group"), "root:x:0:\n");
    const tar = execFileSync("tar", ["-C", rootfs, "-c", "."], { maxBuffer: 1024 * 1024 * 1024 });
    await podman.run(
      [
        "import",
        "--change",
        "ENV PATH=/usr/local/bin:/usr/bin:/bin",
        "--change",
        `LABEL berth.test.key=${key}`,
        "-",
        name,
      ],
      { input: tar },
    );
  } finally {
    rmSync(rootfs, { recursive: true, force: true });
  }
  return name;
}

/** The absolute paths `ldd` lists for a program. */
function libraries(program: string): string[] {
  const out = execFileSync("ldd", [program], { encoding: "utf8" });
  return [...out.matchAll(/(\/\S+)/g)].map((match) => match[1]!);
}

/** npm's folder next to this node, if there is one. */
function npmFolder(node: string): string | undefined {
  const folder = join(dirname(node), "..", "lib", "node_modules", "npm");
  try {
    return statSync(join(folder, "package.json")).isFile() ? realpathSync(folder) : undefined;
  } catch {
    return undefined;
  }
}

/** SHA-256 over the files' paths and bytes, and npm's version. */
function contentKey(files: string[], npm: string | undefined): string {
  const hash = createHash("sha256");
  for (const file of [...files].sort()) {
    hash.update(file);
    hash.update(readFileSync(realpathSync(file)));
  }
  if (npm) hash.update(readFileSync(join(npm, "package.json")));
  return hash.digest("hex").slice(0, 16);
}
