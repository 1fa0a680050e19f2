import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runBerth } from "../helpers/cli.js";
import { tempProject } from "../helpers/project.js";
import { walk } from "./project.js";

// Attack: a runtime dir so deep that even the fallback folder's socket path is too long for
// a unix socket (107 bytes on Linux). berth started the services, wrote its state, and Node
// made the socket at the path cut short, outside the runtime dir; then it failed.

describe("a runtime dir too deep for a socket, and a fallback too deep as well", () => {
  it("is an error naming it, before anything is made", async () => {
    const deep = join(process.env.TMPDIR!, "deep");
    mkdirSync(deep);
    const long = "d".repeat(60);
    const env = {
      BERTH_RUNTIME_DIR: join(deep, long, long, "run"),
      BERTH_SOCKET_FALLBACK_DIR: join(deep, long, long, "fallback"),
    };
    const dir = tempProject({
      "berth.config.json": JSON.stringify({
        services: { w: { command: ["sh", "-c", "touch started; exec sleep 1000"], port: false } },
      }),
    });

    for (const [args, code] of [
      [["run"], 3],
      [["run", "--detach"], 3],
      [["exec", "--", "true"], 125],
    ] as const) {
      const result = await runBerth([...args], { cwd: dir, env });
      expect(result.code).toBe(code);
      expect(result.output).toContain(
        `The runtime dir ${env.BERTH_RUNTIME_DIR} is too deep for a control socket, and so is ` +
          `the fallback ${env.BERTH_SOCKET_FALLBACK_DIR}: a socket in it would take up to`,
      );
      expect(result.output).toMatch(/at most 107\. Set BERTH_RUNTIME_DIR to a shorter folder/);
      // No lock, no state, no service, no socket anywhere (nor its folders).
      expect(readdirSync(dir)).toEqual(["berth.config.json"]);
      expect(walk(deep)).toEqual([]);
    }
  });
});
