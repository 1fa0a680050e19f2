import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runBerth, startBerth } from "./helpers/cli.js";
import { fixturesDir, tempProject } from "./helpers/project.js";

const fixture = (name: string) => JSON.stringify(join(fixturesDir, name));
const node = JSON.stringify(process.execPath);
/** A service command that prints an environment variable and keeps running. */
const printEnv = (name: string) =>
  JSON.stringify([
    process.execPath,
    "-e",
    `console.log("${name}=" + process.env.${name}); setInterval(() => {}, 1000)`,
  ]);

describe("env files, URLs and ports (berth run)", () => {
  it("loads env files under env, with templates; a worker gets no port; URLs carry their scheme", async () => {
    const dir = tempProject({
      ".env": "GREETING=from .env\nCACHE={{services.cache.url}}\nLEVEL=top\n",
      "worker.env": "LEVEL=worker file\n",
      "berth.config.mjs": `export default {
        envFile: ".env",
        services: {
          cache: { command: [${node}, ${fixture("server.mjs")}], scheme: "redis" },
          db: { command: [${node}, ${fixture("server.mjs")}], url: "postgres://postgres@localhost:{{port}}/app" },
          worker: { command: ${printEnv("CACHE")}, envFile: ["worker.env", { path: "missing.env", optional: true }] },
          level: { command: ${printEnv("LEVEL")}, envFile: "worker.env", env: { LEVEL: "env wins" } },
          db_url: { command: ${printEnv("BERTH_DB_URL")} },
          port: { command: ${printEnv("PORT")} },
        },
      };\n`,
    });
    const berth = startBerth(["run"], { cwd: dir });
    const [, cache] = await berth.waitForOutput(/cache is ready at (redis:\/\/localhost:\d+)/);
    await berth.waitForOutput(/db is ready at postgres:\/\/postgres@localhost:\d+\/app/);
    const [, printed] = await berth.waitForOutput(/worker +\| CACHE=(.*)/);
    expect(printed).toBe(cache);
    await berth.waitForOutput(/level +\| LEVEL=env wins/);
    await berth.waitForOutput(/db_url +\| BERTH_DB_URL=postgres:\/\/postgres@localhost:\d+\/app/);
    // Nothing needs a port of theirs: no port, no PORT, no URL.
    await berth.waitForOutput(/port +\| PORT=undefined/);
    await berth.waitForOutput(/all 6 services up/);
    expect(berth.output()).toMatch(/worker is ready \(/);
    expect(berth.output()).not.toMatch(/worker is ready at/);
    berth.child.kill("SIGINT");
    expect(await berth.exited).toBe(0);
  });

  it("a missing env file is a config error naming the file and the field", async () => {
    const dir = tempProject({
      "berth.config.mjs": `export default { services: { api: { command: "true", envFile: [".env.local"] } } };\n`,
    });
    const { code, output } = await runBerth(["run"], { cwd: dir });
    expect(code).toBe(3);
    expect(output).toContain(
      `services.api.envFile[0]: env file ${join(dir, ".env.local")} does not exist; create it, fix the path, or mark it optional: { path: ".env.local", optional: true }`,
    );
  });

  it("a service with a port and no ready check is ready once its port accepts connections", async () => {
    // The api listens 700 ms after it starts; its dependent connects as soon as it starts.
    const connect = `require("net").connect(Number(process.env.BERTH_API_PORT), "127.0.0.1")
      .on("connect", () => { console.log("connected"); process.exit(0); })
      .on("error", (e) => { console.log(e.code); process.exit(1); });`;
    const dir = tempProject({
      "berth.config.mjs": `export default { services: {
        api: { command: [${node}, ${fixture("server.mjs")}], port: "auto", env: { DELAY_MS: "700" } },
        client: { command: [${node}, "-e", ${JSON.stringify(connect)}], oneshot: true, dependsOn: ["api"] },
      } };\n`,
    });
    const berth = startBerth(["run"], { cwd: dir });
    await berth.waitForOutput(/client +\| (connected|ECONNREFUSED)/);
    expect(berth.output()).toMatch(/client +\| connected/);
    berth.child.kill("SIGINT");
    await berth.exited;
  });
});
