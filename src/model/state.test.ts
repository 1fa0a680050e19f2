import {
  chmodSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempProject } from "../../test/helpers/project.js";
import { isBerthError } from "../errors.js";
import { appHostHash, ensureInstance, instanceName } from "./instance.js";
import { emptyState, ensureStateDir, readState, writeState, type ProjectState } from "./state.js";

const quiet = { warn: () => {} };

describe("ensureStateDir", () => {
  it("creates .berth with a .gitignore holding *, and keeps an existing one", async () => {
    const project = tempProject();
    const stateDir = await ensureStateDir(project);
    expect(stateDir).toBe(join(project, ".berth"));
    expect(readFileSync(join(stateDir, ".gitignore"), "utf8")).toBe("*\n");

    writeFileSync(join(stateDir, ".gitignore"), "*\n!keep\n");
    await ensureStateDir(project);
    expect(readFileSync(join(stateDir, ".gitignore"), "utf8")).toBe("*\n!keep\n");
  });
});

describe("ensureStateDir on a folder an older berth made", () => {
  it("writes an empty .gitignore again", async () => {
    const project = tempProject({ ".berth/.gitignore": "" });
    await ensureStateDir(project);
    expect(readFileSync(join(project, ".berth", ".gitignore"), "utf8")).toBe("*\n");
  });

  it("makes it private: folders 0700, files 0600, a service's data left as it is", async () => {
    const project = tempProject({
      ".berth/state.json": "{}",
      ".berth/logs/api.log": "x",
      ".berth/logs/api.log.1": "x",
      ".berth/data/db/PG_VERSION": "16",
      "outside.txt": "x",
    });
    const berth = join(project, ".berth");
    for (const file of ["state.json", "logs/api.log", "logs/api.log.1", "data/db/PG_VERSION"]) {
      chmodSync(join(berth, file), 0o644);
    }
    for (const folder of ["", "logs", "data", "data/db"]) chmodSync(join(berth, folder), 0o755);
    chmodSync(join(project, "outside.txt"), 0o644);
    symlinkSync(join(project, "outside.txt"), join(berth, "logs", "link.log"));
    mkdirSync(join(berth, "data", "db", "base"), { mode: 0o755 });

    await ensureStateDir(project);
    const mode = (path: string) => statSync(join(berth, path)).mode & 0o777;
    expect([mode(""), mode("logs"), mode("data"), mode("data/db")]).toEqual([
      0o700, 0o700, 0o700, 0o700,
    ]);
    expect([mode("state.json"), mode("logs/api.log"), mode("logs/api.log.1")]).toEqual([
      0o600, 0o600, 0o600,
    ]);
    // Inside a data folder: the service's own files (unreachable through data/db anyway).
    expect([mode("data/db/PG_VERSION"), mode("data/db/base")]).toEqual([0o644, 0o755]);
    // A link is not followed: what it points to is not berth's.
    expect(statSync(join(project, "outside.txt")).mode & 0o777).toBe(0o644);
  });
});

describe("readState and writeState", () => {
  it("reads a missing state as empty", async () => {
    const stateDir = await ensureStateDir(tempProject());
    expect(await readState(stateDir, quiet)).toEqual({ version: 1, ports: {} });
  });

  it("writes mode 0600, reads back what it wrote, and leaves no temp file", async () => {
    const stateDir = await ensureStateDir(tempProject());
    const state: ProjectState = {
      version: 1,
      instance: { name: "shop-1a2b3c", secret: "ab".repeat(32) },
      ports: { api: 3000, web: 5173 },
      binaries: { postgres: "16.2" },
      dashboard: { port: 4000 },
    };
    await writeState(stateDir, state);
    expect(await readState(stateDir, quiet)).toEqual(state);
    expect(statSync(join(stateDir, "state.json")).mode & 0o777).toBe(0o600);
    expect(readdirSync(stateDir).sort()).toEqual([".gitignore", "state.json"]);
  });

  it("leaves the file alone when nothing changed, and replaces it when something did", async () => {
    const stateDir = await ensureStateDir(tempProject());
    const file = join(stateDir, "state.json");
    const state: ProjectState = { version: 1, ports: { api: 3000 } };
    await writeState(stateDir, state);
    const first = statSync(file).ino;
    await writeState(stateDir, { ...state });
    expect(statSync(file).ino).toBe(first);
    // Readable by others: rewritten at 0600 even though nothing else changed.
    chmodSync(file, 0o644);
    await writeState(stateDir, { ...state });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const second = statSync(file).ino;
    await writeState(stateDir, { version: 1, ports: { api: 3001 } });
    expect(statSync(file).ino).not.toBe(second);
    expect((await readState(stateDir, quiet)).ports).toEqual({ api: 3001 });
  });

  it("never lets a reader see a half-written file", async () => {
    const stateDir = await ensureStateDir(tempProject());
    const big = (n: number): ProjectState => ({
      version: 1,
      ports: Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`service-${i}`, n])),
    });
    await writeState(stateDir, big(1));
    let reads = 0;
    let writing = true;
    const reader = (async () => {
      while (writing) {
        const state = await readState(stateDir, {
          warn: (message) => {
            throw new Error(message);
          },
        });
        expect(Object.keys(state.ports)).toHaveLength(2000);
        reads++;
      }
    })();
    for (let n = 2; n < 60; n++) await writeState(stateDir, big(n));
    writing = false;
    await reader;
    expect(reads).toBeGreaterThan(0);
  });

  it("moves a corrupt state aside with a warning and starts fresh", async () => {
    const stateDir = await ensureStateDir(tempProject());
    writeFileSync(join(stateDir, "state.json"), '{"version": 1, "ports": {');
    const warnings: string[] = [];
    expect(await readState(stateDir, { warn: (m) => warnings.push(m) })).toEqual(emptyState());

    const aside = readdirSync(stateDir).filter((f) => f.startsWith("state.json.corrupt-"));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(stateDir, aside[0]!), "utf8")).toBe('{"version": 1, "ports": {');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      new RegExp(
        `^${join(stateDir, "state.json")} could not be read: it is not valid JSON \\(.+\\)\\. ` +
          `Moved it to ${aside[0]} and started fresh; services may get new ports and a new instance secret\\.$`,
      ),
    );
  });

  it("moves aside a state with the wrong shape", async () => {
    const stateDir = await ensureStateDir(tempProject());
    writeFileSync(join(stateDir, "state.json"), '{"version": 1, "ports": {"api": "3000"}}');
    const warnings: string[] = [];
    expect(await readState(stateDir, { warn: (m) => warnings.push(m) })).toEqual(emptyState());
    expect(warnings[0]).toContain("it does not have the expected fields");
    writeFileSync(join(stateDir, "state.json"), '{"version": 1, "ports": {}, "dashboard": {}}');
    expect(await readState(stateDir, { warn: (m) => warnings.push(m) })).toEqual(emptyState());
    expect(warnings[1]).toContain("it does not have the expected fields");
  });

  it("refuses a state written by a newer berth, and leaves it alone", async () => {
    const stateDir = await ensureStateDir(tempProject());
    const file = join(stateDir, "state.json");
    writeFileSync(file, '{"version": 2}');
    const error = await readState(stateDir, quiet).catch((e: unknown) => e);
    expect(isBerthError(error, "STATE_INVALID")).toBe(true);
    expect((error as Error).message).toBe(
      `${file} was written by a newer berth (state version 2). Upgrade berth, or delete the ` +
        `file to start fresh (ports and the instance secret will change).`,
    );
    expect(readFileSync(file, "utf8")).toBe('{"version": 2}');
  });
});

describe("instance identity", () => {
  it("hashes the app host path: first 16 hex of SHA-256", () => {
    expect(appHostHash("")).toBe("e3b0c44298fc1c14");
    expect(appHostHash("abc")).toBe("ba7816bf8f01cfea");
  });

  it("names the instance after the project folder and the path's hash, or the config's name", () => {
    const appHostPath = "/home/me/My Shop!/berth.config.ts";
    const hash6 = appHostHash(appHostPath).slice(0, 6);
    expect(instanceName({ projectDir: "/home/me/My Shop!", appHostPath })).toBe(`my-shop-${hash6}`);
    expect(instanceName({ projectDir: "/", appHostPath })).toBe(`app-${hash6}`);
    expect(instanceName({ configName: "shop", projectDir: "/x", appHostPath })).toBe("shop");
  });

  it("makes a secret once and keeps name and secret across reads", async () => {
    const project = tempProject();
    const stateDir = await ensureStateDir(project);
    const where = { projectDir: project, appHostPath: join(project, "berth.config.ts") };

    const first = ensureInstance(await readState(stateDir, quiet), where);
    expect(first.changed).toBe(true);
    expect(first.instance.secret).toMatch(/^[0-9a-f]{64}$/);
    await writeState(stateDir, first.state);

    const second = ensureInstance(await readState(stateDir, quiet), where);
    expect(second).toEqual({ state: first.state, instance: first.instance, changed: false });
  });

  it("keeps the secret when the name changes", () => {
    const state = { ...emptyState(), instance: { name: "old-123456", secret: "cd".repeat(32) } };
    const renamed = ensureInstance(state, {
      configName: "new",
      projectDir: "/p",
      appHostPath: "/p/b.ts",
    });
    expect(renamed.changed).toBe(true);
    expect(renamed.instance).toEqual({ name: "new", secret: "cd".repeat(32) });
    expect(renamed.state.instance).toEqual(renamed.instance);
  });
});
