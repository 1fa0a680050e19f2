/**
 * Unix modes of a zip's entries, from its central directory. fflate unpacks the data but
 * does not report them, and without them an archive's helper executables would lose
 * their exec bits and its symbolic links would become plain files.
 */

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const UNIX = 3;
const MACOS = 19;

/**
 * Entry name → unix mode (type and permission bits), for entries made on a unix. Empty
 * when the directory cannot be read (a zip64 archive, say): modes are then unknown.
 */
export function zipModes(zip: Uint8Array): Map<string, number> {
  const modes = new Map<string, number>();
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const end = findEndRecord(view);
  if (end === undefined) return modes;
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  const decoder = new TextDecoder();
  for (let i = 0; i < count; i++) {
    if (at + 46 > view.byteLength || view.getUint32(at, true) !== CENTRAL) break;
    const madeBy = view.getUint8(at + 5);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const external = view.getUint32(at + 38, true);
    const name = decoder.decode(zip.subarray(at + 46, at + 46 + nameLength));
    const mode = external >>> 16;
    if ((madeBy === UNIX || madeBy === MACOS) && mode !== 0) modes.set(name, mode);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return modes;
}

function findEndRecord(view: DataView): number | undefined {
  // The record is 22 bytes plus a comment of up to 65535 bytes, at the very end.
  const last = view.byteLength - 22;
  for (let at = last; at >= 0 && at >= last - 65535; at--) {
    if (view.getUint32(at, true) === EOCD) {
      return view.getUint32(at + 16, true) === 0xffffffff ? undefined : at;
    }
  }
  return undefined;
}

export const S_IFMT = 0o170000;
export const S_IFLNK = 0o120000;
export const S_IFDIR = 0o040000;
