import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { waitFor } from "../../test/helpers/processes.js";
import { ManualClock } from "../clock.js";
import { watchDirs, type DirWatcher } from "./watch.js";

let dir: string;
let watcher: DirWatcher | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "bm-"));
});
afterEach(() => {
  watcher?.close();
  rmSync(dir, { recursive: true, force: true });
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("watchDirs", () => {
  it("reports files a host could have made, and ignores the rest", async () => {
    let changes = 0;
    watcher = watchDirs([dir], () => changes++, { clock: new ManualClock() });
    writeFileSync(join(dir, "notes.txt"), "");
    writeFileSync(join(dir, "0123456789abcdef.1.json.1a2b.tmp"), "");
    await pause(50);
    expect(changes).toBe(0);
    writeFileSync(join(dir, "0123456789abcdef.1.json"), "");
    await waitFor(() => changes > 0, "a change");
  });

  it("creates the folders it is told to (mode 0700) and watches them", async () => {
    const runtime = join(dir, "a", "run");
    let changes = 0;
    watcher = watchDirs([runtime], () => changes++, {
      clock: new ManualClock(),
      create: [runtime],
    });
    expect(statSync(runtime).mode & 0o777).toBe(0o700);
    expect(watcher.watched()).toEqual([runtime]);
    writeFileSync(join(runtime, "0123456789abcdef.1.sock"), "");
    await waitFor(() => changes > 0, "a change");
  });

  it("polls a folder it cannot watch every second, and rescans watched ones every two", async () => {
    const clock = new ManualClock();
    const missing = join(dir, "later");
    let changes = 0;
    watcher = watchDirs([dir, missing], () => changes++, { clock });
    expect(watcher.watched()).toEqual([dir]);
    await clock.advance(999);
    expect(changes).toBe(0);
    await clock.advance(1);
    expect(changes).toBe(1);

    // Once it exists it is watched, and the interval grows to the rescan's.
    mkdirSync(missing);
    await clock.advance(1000);
    expect(watcher.watched()).toEqual([dir, missing]);
    const before = changes;
    await clock.advance(1999);
    expect(changes).toBe(before);
    await clock.advance(1);
    expect(changes).toBe(before + 1);
  });

  it("watches a folder afresh after it was deleted and made again", async () => {
    const clock = new ManualClock();
    const runtime = join(dir, "run");
    let changes = 0;
    watcher = watchDirs([runtime], () => changes++, { clock, create: [runtime] });
    rmSync(runtime, { recursive: true });
    await pause(20);
    await clock.advance(2000); // the tick notices, and makes it again
    expect(statSync(runtime).isDirectory()).toBe(true);
    expect(watcher.watched()).toEqual([runtime]);
    const before = changes;
    writeFileSync(join(runtime, "0123456789abcdef.1.sock"), "");
    await waitFor(() => changes > before, "a change in the new folder");
  });

  it("falls back to polling when watching is unavailable", async () => {
    const clock = new ManualClock();
    let changes = 0;
    watcher = watchDirs([dir], () => changes++, {
      clock,
      watch: () => {
        throw new Error("ENOSYS");
      },
    });
    expect(watcher.watched()).toEqual([]);
    await clock.advance(3000);
    expect(changes).toBe(3);
  });
});
