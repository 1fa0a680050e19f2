import { describe, expect, it } from "vitest";
import { BerthError } from "./errors.js";
import { asFileError, fileError, fileProblem } from "./file-errors.js";

const errno = (code: string, fields: Record<string, string> = {}) =>
  Object.assign(new Error(`${code}: something`), { code, ...fields });

describe("fileError", () => {
  it("turns a full disk into DISK_FULL, naming the file and what to do", () => {
    const error = fileError(errno("ENOSPC", { syscall: "write", path: "/p/.berth/state.json" }));
    expect(error).toBeInstanceOf(BerthError);
    expect(error?.code).toBe("DISK_FULL");
    expect(error?.exitCode).toBe(3);
    expect(error?.message).toBe(
      "Could not write /p/.berth/state.json: the disk is full. Free some space on it, then run berth again.",
    );
    expect(fileError(errno("EDQUOT", { path: "/p/x" }))?.message).toContain("quota");
  });

  it("names a link's destination, and the folder given when the error has no path", () => {
    const link = errno("ENOSPC", {
      syscall: "link",
      path: "/p/.berth/h.tmp",
      dest: "/p/.berth/host.json",
    });
    expect(fileError(link)?.message).toMatch(/^Could not write \/p\/\.berth\/host\.json:/);
    expect(fileError(errno("ENOSPC"), "/p/.berth")?.message).toMatch(
      /^Could not write \/p\/\.berth:/,
    );
  });

  it("says permission, read-only and open-files problems in words", () => {
    const denied = fileError(errno("EACCES", { syscall: "mkdir", path: "/p/.berth" }));
    expect(denied?.code).toBe("FILE_NOT_PERMITTED");
    expect(denied?.message).toBe(
      "Could not create the folder /p/.berth: permission denied. berth needs to write there as you: check the owner and mode of the folder (ls -ld /p).",
    );
    const readOnly = fileError(errno("EROFS", { syscall: "open", path: "/p/.berth/host.log" }));
    expect(readOnly?.code).toBe("READ_ONLY_FILE_SYSTEM");
    expect(readOnly?.message).toContain("the file system is read-only");
    const tooMany = fileError(errno("EMFILE", { syscall: "open", path: "/p/.berth/logs/a.log" }));
    expect(tooMany?.code).toBe("TOO_MANY_OPEN_FILES");
    expect(tooMany?.message).toMatch(/too many open files: .*ulimit -n.*Raise it/);
    const spawn = fileError(errno("EMFILE", { syscall: "spawn sleep" }));
    expect(spawn?.message).toMatch(/^Could not start a process: too many open files/);
  });

  it("leaves everything else alone: other codes, pathless EPERM (a signal), berth's errors", () => {
    expect(fileError(errno("ENOENT", { path: "/p" }))).toBeUndefined();
    expect(fileError(errno("EPERM", { syscall: "kill" }))).toBeUndefined();
    const own = new BerthError("USAGE", "no");
    expect(asFileError(own)).toBe(own);
    expect(fileError("a string")).toBeUndefined();
  });
});

describe("fileProblem", () => {
  it("says the cause in a few words, for a problem of the user's only", () => {
    expect(fileProblem(errno("ENOSPC"))).toBe("the disk is full");
    expect(fileProblem(errno("EMFILE"))).toMatch(/^too many open files: .*ulimit -n`?\)?$/);
    expect(fileProblem(errno("ENOENT"))).toBeUndefined();
  });
});
