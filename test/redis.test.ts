import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startBerth } from "./helpers/cli.js";
import { findProgram } from "./helpers/real-servers.js";
import { tempProject } from "./helpers/project.js";

/**
 * Redis from the system's packages under berth: a server on its port with a `redis-cli
 * ping` check, a oneshot that writes through the server's URL, a clean stop that saves
 * the data, and the data there again on the next run.
 */

const server = findProgram("redis-server", "apt-get install -y redis-server");
const cli = findProgram("redis-cli", "apt-get install -y redis-server");
const skipReason = !server.found ? server.reason : !cli.found ? cli.reason : undefined;

const config = `export default {
  services: {
    redis: {
      command: "redis-server --port {{port}} --bind 127.0.0.1 --dir {{dataDir}} --save '3600 1' --appendonly no",
      port: 6379,
      scheme: "redis",
      ready: { command: "redis-cli -p {{port}} ping" },
    },
    seed: {
      command: "redis-cli -u \\"$REDIS_URL\\" set greeting hello",
      env: { REDIS_URL: "{{services.redis.url}}" },
      oneshot: true,
      port: false,
      dependsOn: ["redis"],
    },
  },
};
`;

describe.skipIf(skipReason !== undefined)(
  skipReason ? `Redis (skipped: ${skipReason})` : "Redis under berth",
  () => {
    it("serves on its port, takes data through its URL, and keeps it over a clean stop", async () => {
      if (!cli.found) throw new Error("unreachable");
      const dir = tempProject({ "berth.config.mjs": config });
      const redisCli = (...args: string[]) =>
        execFileSync(cli.path, ["-p", String(port()), ...args], { encoding: "utf8" }).trim();
      const port = () =>
        JSON.parse(readFileSync(join(dir, ".berth", "state.json"), "utf8")).ports.redis as number;

      const first = startBerth(["run"], { cwd: dir });
      await first.waitForOutput(/seed completed/, 30_000);
      expect(first.output()).toMatch(/redis is ready at redis:\/\/localhost:\d+/);
      expect(first.output()).toMatch(/seed +\| OK/);
      expect(redisCli("get", "greeting")).toBe("hello");

      first.child.kill("SIGINT");
      expect(await first.exited).toBe(0);
      expect(first.output()).toMatch(/redis +\|.*DB saved on disk/);
      expect(first.output()).toMatch(/redis +\|.*ready to exit, bye bye/);
      expect(first.output()).not.toMatch(/did not stop/);
      expect(existsSync(join(dir, ".berth", "data", "redis", "dump.rdb"))).toBe(true);

      const second = startBerth(["run"], { cwd: dir });
      await second.waitForOutput(/redis is ready/, 30_000);
      expect(second.output()).toMatch(/redis +\|.*DB loaded from disk/);
      expect(redisCli("get", "greeting")).toBe("hello");
      second.child.kill("SIGINT");
      expect(await second.exited).toBe(0);
    }, 60_000);
  },
);
