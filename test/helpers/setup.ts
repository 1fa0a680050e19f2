import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach } from "vitest";
import { killTracked, trackHostsIn } from "./processes.js";

// No test touches the real home: every path berth can use is moved into a temp folder.
const root = mkdtempSync(join(tmpdir(), "berth-test-home-"));
// Every temporary folder a test (or a berth it starts) makes goes under root, which is
// removed after the file's tests: os.tmpdir() follows TMPDIR.
process.env.TMPDIR = join(root, "tmp");
mkdirSync(process.env.TMPDIR);
process.env.BERTH_HOME = join(root, "home");
process.env.BERTH_RUNTIME_DIR = join(root, "run");
process.env.XDG_RUNTIME_DIR = join(root, "xdg");
process.env.BERTH_SOCKET_FALLBACK_DIR = join(root, "fallback");
process.env.NO_COLOR = "1";
delete process.env.FORCE_COLOR;

afterEach(async () => {
  trackHostsIn([
    process.env.BERTH_RUNTIME_DIR,
    process.env.BERTH_SOCKET_FALLBACK_DIR,
    join(root, "xdg", "berth"),
  ]);
  await killTracked();
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});
