import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { WatchSpec } from "../src/model/app.js";
import type { SupervisorEvent } from "../src/supervisor/events.js";
import { freePort, makeApp, supervisorsPerTest } from "./helpers/app.js";
import { startBerth } from "./helpers/cli.js";
import { waitFor } from "./helpers/processes.js";
import { tempProject } from "./helpers/project.js";

const supervise = supervisorsPerTest();

/** A server that says which version of itself runs; `broken` exits at once with code 1. */
const server = (version: string, broken = false) =>
  broken
    ? `console.error("SyntaxError: version ${version} is broken"); process.exit(1);\n`
    : `import { createServer } from "node:http";
process.on("SIGTERM", () => process.exit(0));
createServer((_q, r) => r.end("${version}")).listen(Number(process.env.PORT), "127.0.0.1", () =>
  console.log("serving ${version}"),
);
`;

async function watchedApi(options: { ready?: boolean } = {}) {
  const port = await freePort();
  const ready = { kind: "http", url: `http://127.0.0.1:${port}/`, timeoutMs: 10_000 } as const;
  const app = makeApp({
    api: {
      run: [process.execPath, "src/server.mjs"],
      env: { PORT: String(port) },
      ...(options.ready === false ? {} : { ready }),
    },
  });
  const spec: WatchSpec = {
    root: app.projectDir,
    paths: ["src/**/*.mjs"],
    ignore: ["**/node_modules/**", "**/.git/**", "**/.berth/**"],
    debounceMs: 500,
  };
  app.services[0]!.watch = spec;
  mkdirSync(join(app.projectDir, "src"));
  const save = (file: string, text: string) => writeFileSync(join(app.projectDir, file), text);
  save("src/server.mjs", server("v1"));
  const { supervisor, events } = supervise(app);
  const said = () => events.flatMap((e: SupervisorEvent) => (e.type === "message" ? [e.text] : []));
  const answer = async () => (await fetch(`http://127.0.0.1:${port}/`)).text();
  return { app, supervisor, events, save, said, answer };
}

describe("watch (supervisor)", () => {
  it("restarts on a change, once per burst, and does not count it as a crash", async () => {
    const { supervisor, save, said, answer } = await watchedApi();
    await supervisor.start();
    await supervisor.watching();
    expect(await answer()).toBe("v1");

    save("src/server.mjs", server("v2"));
    save("src/helper.mjs", "export {};\n");
    save("src/server.mjs", server("v3"));
    await waitFor(async () => (await answer().catch(() => "")) === "v3", "v3 to answer");
    // A change after the burst: any batch of the burst would have come before its own.
    save("src/other.mjs", "export {};\n");
    await waitFor(() => said().length === 2, "the second restart");
    expect(said()).toEqual([
      "api: src/server.mjs and 1 other file changed; restarting",
      "api: src/other.mjs changed; restarting",
    ]);
    await waitFor(() => supervisor.services()[0]!.state === "ready", "api to be ready");
    expect(supervisor.services()[0]!.restarts).toBe(0);
  });

  it("starts a failed service again when its files change (fix, save, it runs)", async () => {
    const { supervisor, save, said, answer } = await watchedApi();
    save("src/server.mjs", server("v1", true));
    await supervisor.start();
    expect(supervisor.services()[0]!.state).toBe("failed");
    // A failed service with a watch keeps the host running: a change starts it again.
    expect(supervisor.finished).toBe(false);
    await supervisor.watching();
    expect(said()).toContain("api: a change to its files will start it again");

    save("src/server.mjs", server("v2"));
    await waitFor(() => supervisor.services()[0]!.state === "ready", "api to be ready");
    expect(await answer()).toBe("v2");
  });

  it("starts a service that exited by itself again when its files change", async () => {
    const { supervisor, save, said, answer } = await watchedApi({ ready: false });
    save("src/server.mjs", `console.log("done");\n`);
    const exited = new Promise<void>((resolve) =>
      supervisor.subscribe((e) => e.type === "state" && e.state === "stopped" && resolve()),
    );
    void supervisor.start();
    await exited;
    await supervisor.watching();
    expect(said()).toContain("api: a change to its files will start it again");
    save("src/server.mjs", server("v2"));
    await waitFor(async () => (await answer().catch(() => "")) === "v2", "v2 to answer");
  });

  it("stops watching when the service is stopped", async () => {
    const { supervisor, save, said } = await watchedApi();
    await supervisor.start();
    await supervisor.watching();
    await supervisor.stopService("api");
    save("src/server.mjs", server("v2"));
    // Started again, it watches again: the change after that is its first restart.
    await supervisor.startService("api");
    await supervisor.watching();
    save("src/other.mjs", "export {};\n");
    await waitFor(() => said().length > 0, "a restart");
    expect(said()).toEqual(["api: src/other.mjs changed; restarting"]);
  });
});

describe("watch (supervisor stop)", () => {
  it("closes every watch: no handle is left to keep the process alive", async () => {
    const { supervisor } = await watchedApi();
    await supervisor.start();
    await supervisor.watching();
    expect(watchHandles().length).toBeGreaterThan(0);
    await supervisor.stop();
    // Node releases a closed fs.watch handle on a later turn of the event loop.
    await waitFor(() => watchHandles().length === 0, "the watch handles to be released");
  });
});

const watchHandles = () =>
  process.getActiveResourcesInfo().filter((name) => /FSEventWrap|StatWatcher/.test(name));

describe("watch (berth run)", () => {
  it("says which file changed and restarts the service", async () => {
    const dir = tempProject({
      "src/server.mjs": server("v1"),
      "berth.config.mjs": `export default { services: { api: {
        command: ["node", "src/server.mjs"], port: "auto", watch: ["src/**/*.mjs"] } } };\n`,
    });
    const berth = startBerth(["run"], { cwd: dir });
    await berth.waitForOutput(/api +\| serving v1/);
    // The watch starts with the service, and scans its files meanwhile: a save that came
    // before the scan ended would go unseen, so it is saved again (after the quiet time).
    let savedAt = 0;
    await waitFor(() => {
      if (berth.output().includes("changed; restarting")) return true;
      if (Date.now() - savedAt > 2_000) {
        writeFileSync(join(dir, "src/server.mjs"), server("v2"));
        savedAt = Date.now();
      }
      return false;
    }, "the restart");
    await berth.waitForOutput(/api +\| serving v2/);
    expect(berth.output()).toMatch(/berth +\| api: src\/server\.mjs changed; restarting/);
    berth.child.kill("SIGINT");
    expect(await berth.exited).toBe(0);
  });
});
