import { open } from "node:fs/promises";

/**
 * What kind of program a file is, read from its first bytes. Only consulted after a binary
 * failed to run, to say why: the kernel's answer alone is unhelpful (a missing ELF loader
 * and a missing file are both ENOENT, and glibc hands a foreign binary to /bin/sh).
 */
export type ExecFormat =
  | { kind: "elf"; arch: string | undefined; bits: 32 | 64; interpreter: string | undefined }
  | { kind: "mach-o"; arches: string[] }
  | { kind: "script"; interpreter: string; argument: string | undefined }
  | { kind: "windows" }
  | { kind: "empty" }
  | { kind: "unknown"; start: string };

/** ELF `e_machine` → Node's `process.arch`. */
const elfMachines: Record<number, string> = {
  0x03: "ia32",
  0x08: "mips",
  0x14: "ppc",
  0x15: "ppc64",
  0x16: "s390x",
  0x28: "arm",
  0x3e: "x64",
  0xb7: "arm64",
  0xf3: "riscv64",
  0x102: "loong64",
};

/** Mach-O `cputype` → Node's `process.arch`. */
const machCpus: Record<number, string> = {
  0x7: "ia32",
  0x01000007: "x64",
  0xc: "arm",
  0x0100000c: "arm64",
};

const PT_INTERP = 3;

/** Reads the start of `file`; `undefined` when it cannot be read. */
export async function readExecFormat(file: string): Promise<ExecFormat | undefined> {
  let head: Buffer;
  try {
    const handle = await open(file, "r");
    try {
      const buffer = Buffer.alloc(64 * 1024);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      head = buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
  return execFormat(head);
}

/** Classifies a file by its first bytes (at least the first 4 KiB for an ELF's loader). */
export function execFormat(head: Buffer): ExecFormat {
  if (head.length === 0) return { kind: "empty" };
  if (head.length >= 20 && head.readUInt32BE(0) === 0x7f454c46) return elf(head);
  if (head.length >= 8) {
    const magic = head.readUInt32LE(0);
    if (magic === 0xfeedfacf || magic === 0xfeedface) {
      return { kind: "mach-o", arches: [machCpus[head.readInt32LE(4) >>> 0] ?? "unknown"] };
    }
    if (head.readUInt32BE(0) === 0xcafebabe) return fat(head);
  }
  if (head.subarray(0, 2).toString("latin1") === "MZ") return { kind: "windows" };
  if (head.subarray(0, 2).toString("latin1") === "#!") {
    const line = head.subarray(2, head.indexOf(0x0a) === -1 ? 256 : head.indexOf(0x0a));
    const [interpreter = "", ...rest] = line.toString("utf8").trim().split(/\s+/);
    return { kind: "script", interpreter, argument: rest.length ? rest.join(" ") : undefined };
  }
  const start = head
    .subarray(0, 40)
    .toString("latin1")
    .replace(/[^\x20-\x7e]/g, "?");
  return { kind: "unknown", start };
}

function elf(head: Buffer): ExecFormat {
  const bits = head[4] === 2 ? 64 : 32;
  const le = head[5] !== 2;
  const u16 = (at: number) => (le ? head.readUInt16LE(at) : head.readUInt16BE(at));
  const u32 = (at: number) => (le ? head.readUInt32LE(at) : head.readUInt32BE(at));
  const word = (at: number) =>
    bits === 64 ? Number(le ? head.readBigUInt64LE(at) : head.readBigUInt64BE(at)) : u32(at);
  const arch = elfMachines[u16(18)];
  let interpreter: string | undefined;
  try {
    const phoff = word(bits === 64 ? 0x20 : 0x1c);
    const size = u16(bits === 64 ? 0x36 : 0x2a);
    const count = u16(bits === 64 ? 0x38 : 0x2c);
    for (let i = 0; i < count; i++) {
      const at = phoff + i * size;
      if (u32(at) !== PT_INTERP) continue;
      const offset = word(at + (bits === 64 ? 0x08 : 0x04));
      const length = word(at + (bits === 64 ? 0x20 : 0x10));
      interpreter = head
        .subarray(offset, offset + length)
        .toString("latin1")
        .replace(/\0+$/, "");
      break;
    }
  } catch {
    // Program headers beyond what was read: the loader stays unknown.
  }
  return { kind: "elf", arch, bits, interpreter: interpreter || undefined };
}

function fat(head: Buffer): ExecFormat {
  const count = head.readUInt32BE(4);
  const arches: string[] = [];
  for (let i = 0; i < count && 8 + i * 20 + 4 <= head.length; i++) {
    arches.push(machCpus[head.readUInt32BE(8 + i * 20)] ?? "unknown");
  }
  return { kind: "mach-o", arches };
}

/** `"a Linux program for arm64"`, `"a macOS program for x64 and arm64"`. */
export function describeFormat(format: ExecFormat): string {
  switch (format.kind) {
    case "elf":
      return `a Linux (ELF) program for ${format.arch ?? "an unknown architecture"}`;
    case "mach-o":
      return `a macOS (Mach-O) program for ${format.arches.join(" and ")}`;
    case "windows":
      return "a Windows program";
    case "script":
      return `a script for ${format.interpreter}`;
    case "empty":
      return "an empty file";
    case "unknown":
      return `not a program (it starts with "${format.start}")`;
  }
}
