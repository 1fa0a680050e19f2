import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { validateConfig } from "../config/validate.js";
import { isBerthError } from "../errors.js";
import { planContainers } from "./plan.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "berth-publish-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const SECRET = "5e".repeat(32);

function plan(raw: Record<string, unknown>) {
  const config = validateConfig(raw, join(dir, "berth.config.ts"), {});
  return planContainers(config, { secret: SECRET });
}

/** The problem lines of a config that cannot be published. */
function problems(raw: Record<string, unknown>): string[] {
  try {
    plan(raw);
  } catch (error) {
    if (isBerthError(error, "PUBLISH_UNSUPPORTED")) return error.details;
    throw error;
  }
  throw new Error("expected the config not to publish");
}

describe("planContainers", () => {
  test("references name the engine's hosts and the containers' ports", () => {
    const app = plan({
      name: "shop",
      services: {
        db: {
          command: "postgres -D {{dataDir}} -p {{port}}",
          image: "postgres:16",
          port: 5432,
          url: "postgres://postgres@localhost:{{port}}/shop",
          ready: { command: "pg_isready -h 127.0.0.1 -p {{port}}" },
        },
        api: {
          command: ["node", "api.js"],
          port: "auto",
          dependsOn: ["db"],
          env: { DATABASE_URL: "{{services.db.url}}", SELF: "{{url}}" },
          ready: { http: { path: "/whoami", body: "{{instance.name}}" } },
        },
        worker: { command: "node worker.js", port: false, dependsOn: ["api"] },
      },
    });
    const [db, api, worker] = app.services;
    expect(app.project).toBe("shop");
    expect(db).toMatchObject({ host: "db", image: "postgres:16", port: 5432, hostPort: 5432 });
    expect(db!.runs).toEqual({ kind: "image" });
    expect(db!.env.HOST).toBeUndefined();
    expect(db!.ready).toEqual({
      kind: "command",
      timeoutMs: 60_000,
      command: ["/bin/sh", "-c", "pg_isready -h 127.0.0.1 -p 5432"],
    });
    expect(api).toMatchObject({ image: "shop-node", port: 8080 });
    expect(api!.hostPort).toBeUndefined();
    expect(api!.env).toMatchObject({
      DATABASE_URL: "postgres://postgres@db:5432/shop",
      SELF: "http://api:8080",
      BERTH_DB_URL: "postgres://postgres@db:5432/shop",
      BERTH_API_URL: "http://api:8080",
      PORT: "8080",
      HOST: "0.0.0.0",
      BERTH_INSTANCE: "shop",
      BERTH_SERVICE: "api",
    });
    expect(api!.ready).toMatchObject({ kind: "http", port: 8080, path: "/whoami", body: "shop" });
    expect(api!.runs).toEqual({ kind: "node", command: ["node", "api.js"], workingDir: "/app" });
    expect(worker!.runs).toMatchObject({ command: ["/bin/sh", "-c", "node worker.js"] });
    expect(worker!.env.PORT).toBeUndefined();
    // Sorted, so publishing twice writes the same bytes.
    expect(Object.keys(api!.env)).toEqual([...Object.keys(api!.env)].sort());
  });

  test("env files and the instance secret are secret; the rest is plain", () => {
    writeFileSync(join(dir, ".env"), "STRIPE_KEY=sk_test_1\nSHARED=from-file\n");
    const app = plan({
      envFile: ".env",
      services: {
        api: {
          command: "node api.js",
          env: { SHARED: "from-env", TOKEN: "t-{{instance.secret}}", LEVEL: "debug" },
        },
      },
    });
    const [api] = app.services;
    expect(api!.secretEnv).toEqual({ STRIPE_KEY: "sk_test_1", TOKEN: `t-${SECRET}` });
    expect(api!.env).toMatchObject({ SHARED: "from-env", LEVEL: "debug" });
    expect(JSON.stringify(api!.env)).not.toContain(SECRET);
    expect(app.node!.envFiles).toEqual([".env"]);
  });

  test("a data folder is a volume for each service that names it", () => {
    const app = plan({
      services: {
        migrate: { command: "node m.js", oneshot: true, env: { DB: "{{services.api.dataDir}}/x" } },
        api: { command: "node api.js", env: { DB: "{{dataDir}}/x" }, dependsOn: ["migrate"] },
        web: { command: "node web.js" },
      },
    });
    const [migrate, api, web] = app.services;
    expect(migrate!.mounts).toEqual(["api"]);
    expect(migrate!.env.BERTH_DATA_DIR).toBeUndefined();
    expect(api!.mounts).toEqual(["api"]);
    expect(api!.env).toMatchObject({ DB: "/berth/data/api/x", BERTH_DATA_DIR: "/berth/data/api" });
    expect(web!.mounts).toEqual([]);
    expect(api!.dependsOn).toEqual([{ name: "migrate", condition: "completed" }]);
  });

  test("names become DNS names; the project is named by its folder", () => {
    const app = plan({ services: { My_Api: { command: "node api.js", port: 3000 } } });
    expect(app.services[0]).toMatchObject({ name: "My_Api", host: "my-api" });
    expect(app.services[0]!.env.BERTH_MY_API_URL).toBe("http://my-api:3000");
    expect(app.project).toMatch(/^berth-publish-/);
  });

  test("a service left out is not published, and what waits for it is told", () => {
    const app = plan({
      services: {
        tool: { command: "some-dev-tool", publish: false },
        api: { command: "node api.js", dependsOn: ["tool"] },
      },
    });
    expect(app.services.map((s) => s.name)).toEqual(["api"]);
    expect(app.leftOut).toEqual(["tool"]);
    expect(app.services[0]!.dependsOn).toEqual([]);
    expect(app.notes.join("\n")).toContain("api waits for tool on this machine");
  });

  test("every service that cannot run in a container is named at once, with what to do", () => {
    const list = problems({
      services: {
        cache: { command: "redis-server --port {{port}}", port: 6379 },
        store: {
          binary: { name: "store", version: "1.0.0", url: "https://x/s", insecure: true },
        },
        db: { command: "postgres", image: "postgres:16", port: "auto" },
        tool: { command: "node tool.js", publish: false, port: 4000 },
        api: { command: "node api.js", env: { T: "{{services.tool.url}}" } },
        job: { command: "node job.js --key {{instance.secret}}" },
      },
    });
    expect(list).toEqual([
      "services.cache: runs redis-server, which is not Node's, a package's of the project's (in its lock file or package.json) or a file of the project's, so the Node image does not have it; give the service an `image` that has it (or a `build`), or `publish: false`",
      "services.store: runs the binary store, which berth downloads for this machine only; give it an `image` (or a `build`), or `publish: false`",
      "services.db: runs image postgres:16, so its port must be the one that image listens on; set `port` to that number",
      "services.api: env.T names {{services.tool.url}}, but tool has `publish: false`; publish tool too, or leave api out",
      "services.job: command holds {{instance.secret}}, which would be written into the files to commit; only `env` values are kept out of them, so pass the secret to the service in `env`",
    ]);
  });

  test("a package's own binary runs in the Node image; dependencies need a lock file", () => {
    // No node_modules: a fresh clone. The lock file records the binaries.
    writeFileSync(join(dir, "package.json"), JSON.stringify({ dependencies: { "@x/vite": "8" } }));
    // Without the lock file, nothing says which package has `vite`.
    expect(problems({ services: { web: { command: "vite --port {{port}}" } } })).toEqual([
      expect.stringContaining("runs vite, which is not Node's"),
    ]);
    writeFileSync(
      join(dir, "package-lock.json"),
      JSON.stringify({ packages: { "node_modules/@x/vite": { bin: { vite: "bin/vite.js" } } } }),
    );
    const app = plan({ services: { web: { command: "vite --port {{port}}" } } });
    expect(app.node!.installs).toEqual([{ dir: ".", command: "npm ci" }]);
  });

  test("each package folder with its own lock file is installed; one without is a problem", () => {
    mkdirSync(join(dir, "api"));
    mkdirSync(join(dir, "web"));
    writeFileSync(
      join(dir, "api", "package.json"),
      JSON.stringify({ dependencies: { express: "5" } }),
    );
    writeFileSync(join(dir, "api", "package-lock.json"), "{}");
    writeFileSync(
      join(dir, "web", "package.json"),
      JSON.stringify({ dependencies: { vite: "8" } }),
    );
    const config = {
      services: {
        api: { command: "node server.js", cwd: "api" },
        web: { command: "vite", cwd: "web" },
      },
    };
    expect(problems(config)).toEqual([
      `${join(dir, "web", "package.json")} lists dependencies but has no lock file, so the image could not install what you tested; run \`npm install\` (or your package manager's) there to write one`,
    ]);
    writeFileSync(join(dir, "web", "pnpm-lock.yaml"), "");
    expect(plan(config).node!.installs).toEqual([
      { dir: "api", command: "npm ci" },
      { dir: "web", command: "corepack enable && pnpm install --frozen-lockfile" },
    ]);
  });

  test("{{services.db.host}} is the service's name; localhost next to a port is reported", () => {
    writeFileSync(join(dir, ".env"), "DB=postgres://u:pw@localhost:{{services.db.port}}/x\n");
    const app = plan({
      envFile: ".env",
      services: {
        db: { command: "x", image: "postgres:16", port: 5432 },
        api: {
          command: "node api.js",
          env: { GOOD: "postgres://u:pw@{{services.db.host}}:{{services.db.port}}/x" },
        },
      },
    });
    const api = app.services.find((s) => s.name === "api")!;
    expect(api.env.GOOD).toBe("postgres://u:pw@db:5432/x");
    expect(api.secretEnv.DB).toBe("postgres://u:pw@localhost:5432/x");
    expect(app.notes).toContain(
      "api's DB (from an env file) names localhost with another service's port: in a container, localhost is the container itself. Write {{services.<name>.host}} instead: localhost here, the service's name there.",
    );
  });

  test("a build's context and Dockerfile must exist", () => {
    mkdirSync(join(dir, "api"));
    expect(problems({ services: { api: { command: "x", build: "nope" } } })).toEqual([
      `services.api: build.context nope is not a folder (${join(dir, "nope")}); fix the path`,
    ]);
    expect(problems({ services: { api: { command: "x", build: "api" } } })).toEqual([
      `services.api: build's Dockerfile ${join(dir, "api", "Dockerfile")} does not exist; fix the path`,
    ]);
    writeFileSync(join(dir, "api", "Dockerfile"), "FROM x\n");
    expect(plan({ services: { api: { command: "x", build: "api" } } }).services[0]).toMatchObject({
      image: expect.stringMatching(/-api$/),
      runs: { kind: "build", context: "api", dockerfile: "Dockerfile" },
    });
  });

  test("a lock file above a package installs it only as a workspace", () => {
    mkdirSync(join(dir, "web"));
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "root" }));
    writeFileSync(join(dir, "package-lock.json"), "{}");
    writeFileSync(
      join(dir, "web", "package.json"),
      JSON.stringify({ dependencies: { express: "5" } }),
    );
    const config = { services: { web: { command: "node web.js", cwd: "web" } } };
    expect(problems(config)).toEqual([
      expect.stringContaining(`the one in ${dir} does not install them (it has no workspaces)`),
    ]);
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "root", workspaces: ["web"] }));
    expect(plan(config).node!.installs).toEqual([{ dir: ".", command: "npm ci" }]);
  });

  test("a script of the project's runs in the Node image only if it is there", () => {
    expect(problems({ services: { job: { command: "./run.sh", oneshot: true } } })).toEqual([
      expect.stringContaining("services.job: runs ./run.sh, which is not Node's"),
    ]);
    writeFileSync(join(dir, "run.sh"), "#!/bin/sh\n");
    expect(
      plan({ services: { job: { command: "./run.sh", oneshot: true } } }).services,
    ).toHaveLength(1);
  });

  test("a project name too long for Kubernetes' labels is refused", () => {
    expect(
      problems({ name: "x".repeat(51), services: { api: { command: "node api.js" } } }),
    ).toEqual([expect.stringContaining("name: published names have at most 50 characters")]);
  });

  test("a log ready check and watch are noted as not carried over", () => {
    const app = plan({
      services: {
        api: { command: "node api.js", ready: { log: "listening" }, watch: "src" },
      },
    });
    expect(app.services[0]!.ready).toBeUndefined();
    expect(app.notes).toEqual([
      "api restarts on file changes here (`watch`); a published image does not.",
      expect.stringContaining("api's ready check watches its log"),
    ]);
  });
});
