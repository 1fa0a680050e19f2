import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runBerth } from "../helpers/cli.js";
import { waitFor } from "../helpers/processes.js";
import { detach, projectWith, sizeOf } from "./project.js";

// Attack: a detached host's service runs `yes`. Its host.log grew by gigabytes: every
// service line went there as well as to the service's own log, never rotated.
describe("a detached host's own log", () => {
  it("holds berth's lines only, however much a service writes", async () => {
    const dir = projectWith(`
      flood: { command: "yes flooding-the-log", port: false },`);
    await detach(dir);
    const logs = join(dir, ".berth", "logs");
    await waitFor(
      () => sizeOf(join(logs, "flood.log")) + sizeOf(join(logs, "flood.log.1")) > 4 * 1024 * 1024,
      "the service to write 4 MiB",
    );
    const hostLog = join(dir, ".berth", "host.log");
    expect(sizeOf(hostLog)).toBeLessThan(4096);
    expect((await runBerth(["stop"], { cwd: dir })).code).toBe(0);

    const text = readFileSync(hostLog, "utf8");
    expect(text).not.toContain("flooding-the-log");
    expect(text).toMatch(/^berth \| starting 1 service of /m);
    expect(text).toMatch(/^berth \| flood is ready/m);
    expect(text).toMatch(/^berth \| stopping flood/m);
  });

  it("keeps what `run --detach` shows of a failure when the host has already exited", async () => {
    const dir = projectWith(`
      broken: { command: "echo fatal: cannot open database; exit 1", port: false,
                ready: { log: "never" } },`);
    const result = await runBerth(["run", "--detach"], { cwd: dir });
    expect(result.output).toContain("broken failed: exited before it was ready");
    expect(result.output).toContain("fatal: cannot open database");
    expect(result.code).toBe(4);
  });
});
