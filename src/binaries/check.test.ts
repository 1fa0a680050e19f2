import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { isBerthError } from "../errors.js";
import { checkBinary } from "./check.js";
import { toolScript } from "./fixtures.test-helper.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "berth-check-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Buffer, mode = 0o755): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  chmodSync(path, mode);
  return path;
}

/** The message a user reads when the check of `executable` fails. */
async function message(executable: string, args = ["--version"], timeoutMs?: number) {
  const error = await checkBinary(executable, args, { label: "tool 1.0.0", timeoutMs }).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isBerthError(error, "BINARY_CANNOT_RUN"))
    throw new Error(`expected BINARY_CANNOT_RUN, got ${String(error)}`);
  expect(error.exitCode).toBe(9);
  return { message: error.message, details: error.details };
}

/** An ELF header for another CPU than this one: enough for the kernel to refuse it. */
function foreignElf(): Buffer {
  const head = Buffer.alloc(64);
  head.writeUInt32BE(0x7f454c46, 0);
  head[4] = 2; // 64-bit
  head[5] = 1; // little-endian
  head[6] = 1;
  head.writeUInt16LE(2, 16); // executable
  head.writeUInt16LE(process.arch === "arm64" ? 0x3e : 0xb7, 18);
  return head;
}

const hasCc = (() => {
  try {
    execFileSync("cc", ["--version"], { stdio: "ignore" });
    return process.platform === "linux";
  } catch {
    return false;
  }
})();

describe("checkBinary", () => {
  test("a binary that runs passes and returns its output", async () => {
    expect(
      await checkBinary(file("tool", toolScript("1.0.0")), ["--version"], { label: "tool 1.0.0" }),
    ).toEqual({
      output: "tool 1.0.0\n",
    });
  });

  test("a file without the exec bit: not executable", async () => {
    const path = file("tool", toolScript("1.0.0"), 0o644);
    expect((await message(path)).message).toBe(
      `tool 1.0.0 cannot run: it is not executable; run \`chmod +x ${path}\`, or delete ${dir} and run berth again to download it anew.`,
    );
  });

  test("a missing file", async () => {
    const path = join(dir, "gone");
    expect((await message(path)).message).toBe(
      `tool 1.0.0 cannot run: ${path} does not exist; delete ${dir} and run berth again to download it anew.`,
    );
  });

  test("a script whose interpreter does not exist names the interpreter", async () => {
    const path = file("tool", "#!/nonexistent/bin/interp\necho hi\n");
    expect((await message(path)).message).toBe(
      "tool 1.0.0 cannot run: it is a script for /nonexistent/bin/interp, which does not exist on this machine; install /nonexistent/bin/interp, or use a build of the binary made for this system.",
    );
  });

  test("an env script whose interpreter is not on PATH", async () => {
    const path = file("tool", "#!/usr/bin/env berth-no-such-interpreter\nprint('hi')\n");
    expect((await message(path)).message).toContain(
      "its interpreter `berth-no-such-interpreter` (from `#!/usr/bin/env berth-no-such-interpreter`) is not installed or not on PATH",
    );
  });

  test("garbage content (a web page saved as the binary): not a program", async () => {
    const path = file("tool", "<!DOCTYPE html><html><body>Not Found</body></html>\n");
    const { message: text } = await message(path);
    expect(text).toContain(
      'tool 1.0.0 cannot run: it is not a program (it starts with "<!DOCTYPE html><html><body>Not Found</bo"); the download may be a web page or the wrong file of the archive;',
    );
  });

  test.runIf(process.platform === "linux")(
    "a build for another CPU: wrong architecture",
    async () => {
      const other = process.arch === "arm64" ? "x64" : "arm64";
      const { message: text } = await message(file("tool", foreignElf()));
      expect(text).toContain(
        `it is a Linux (ELF) program for ${other}, but this machine is Linux on ${process.arch} (wrong architecture); fix the binary's \`url\` (or its \`os\` / \`arch\` names) so that linux-${process.arch} downloads a build made for it.`,
      );
    },
  );

  test("missing shared libraries, as the loader reports them", async () => {
    const loader =
      "./tool: error while loading shared libraries: libssl.so.1.1: cannot open shared object file: No such file or directory";
    const path = file("tool", `#!/bin/sh\necho '${loader}' >&2\nexit 127\n`);
    const { message: text, details } = await message(path);
    expect(text).toBe(
      "tool 1.0.0 cannot run: a shared library it needs is missing: libssl.so.1.1; install the package that provides libssl.so.1.1 (on Debian or Ubuntu, `apt-file search libssl.so.1.1` names it), or use a statically linked build.",
    );
    expect(details).toEqual([`executable: ${path}`, "its output:", `  ${loader}`]);
  });

  test.runIf(hasCc)("a real ELF binary whose shared library is gone", async () => {
    writeFileSync(join(dir, "lib.c"), "int berth_answer(void) { return 42; }\n");
    writeFileSync(
      join(dir, "main.c"),
      "int berth_answer(void);\nint main(void) { return berth_answer() - 42; }\n",
    );
    const lib = join(dir, "libberthgone.so");
    execFileSync("cc", ["-shared", "-fPIC", "-o", lib, join(dir, "lib.c")]);
    const exe = join(dir, "tool");
    execFileSync("cc", [
      "-o",
      exe,
      join(dir, "main.c"),
      `-L${dir}`,
      "-lberthgone",
      `-Wl,-rpath,${dir}`,
    ]);
    await checkBinary(exe, [], { label: "tool 1.0.0" }); // runs while the library is there
    rmSync(lib);
    expect((await message(exe, [])).message).toContain(
      "a shared library it needs is missing: libberthgone.so",
    );
  });

  test.runIf(hasCc)(
    "a real ELF binary whose dynamic loader does not exist (another libc)",
    async () => {
      writeFileSync(join(dir, "main.c"), "int main(void) { return 0; }\n");
      const exe = join(dir, "tool");
      execFileSync("cc", [
        "-o",
        exe,
        join(dir, "main.c"),
        "-Wl,--dynamic-linker=/lib/ld-musl-berth.so.1",
      ]);
      expect((await message(exe)).message).toBe(
        "tool 1.0.0 cannot run: its dynamic loader /lib/ld-musl-berth.so.1 does not exist on this machine (it was built for musl libc, as on Alpine); use the build of the binary made for this system's C library (glibc or musl), or a statically linked one.",
      );
    },
  );

  test("a check that exits non-zero shows the exit code and the output", async () => {
    const path = file("tool", "#!/bin/sh\necho 'unknown flag: --version' >&2\nexit 2\n");
    const { message: text, details } = await message(path);
    expect(text).toBe(
      "tool 1.0.0 cannot run: the check `tool --version` exited with code 2; if the binary does not understand these arguments, set its `check` to ones it does (it must exit with 0), or `check: false` to skip the check.",
    );
    expect(details).toContain("  unknown flag: --version");
  });

  test("a check that does not finish is stopped after the timeout", async () => {
    const path = file("tool", "#!/bin/sh\nsleep 30\n");
    const started = Date.now();
    const { message: text } = await message(path, ["serve"], 300);
    expect(text).toContain("the check `tool serve` did not finish within 300 ms");
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
