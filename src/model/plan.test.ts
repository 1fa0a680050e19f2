import { describe, expect, test } from "vitest";
import { validateConfig } from "../config/validate.js";
import { planApp } from "./plan.js";

const file = "/work/app/berth.config.ts";
const instance = { name: "shop-1a2b3c", secret: "s".repeat(64) };

/** Plans `services` with these ports, the way the host does once they are held. */
function plan(services: Record<string, unknown>, ports: Record<string, number> = {}) {
  const config = validateConfig({ services }, file);
  const app = planApp(config, {
    instance,
    ports: new Map(Object.entries(ports)),
    stateDir: "/work/app/.berth",
    runId: "run-1",
  });
  return Object.fromEntries(app.services.map((s) => [s.name, s]));
}

describe("planApp: URLs", () => {
  test("a url template, a scheme, or http by default, in every place a URL is used", () => {
    const s = plan(
      {
        db: { command: "postgres", url: "postgres://postgres@localhost:{{port}}/app" },
        cache: { command: "redis-server", scheme: "redis" },
        api: {
          command: "node api.js {{url}}",
          port: "auto",
          env: { DB: "{{services.db.url}}", CACHE: "{{services.cache.url}}" },
        },
      },
      { db: 5432, cache: 6379, api: 3000 },
    );
    expect(s.db!.url).toBe("postgres://postgres@localhost:5432/app");
    expect(s.cache!.url).toBe("redis://localhost:6379");
    expect(s.api!.url).toBe("http://localhost:3000");
    expect(s.api!.command.display).toBe("node api.js http://localhost:3000");
    expect(s.api!.env).toMatchObject({
      DB: "postgres://postgres@localhost:5432/app",
      CACHE: "redis://localhost:6379",
      BERTH_DB_URL: "postgres://postgres@localhost:5432/app",
      BERTH_CACHE_URL: "redis://localhost:6379",
      BERTH_API_URL: "http://localhost:3000",
      BERTH_DB_PORT: "5432",
    });
  });

  test("a url may name another service's port", () => {
    const s = plan(
      {
        db: { command: "x", port: "auto" },
        proxy: { command: "y", url: "postgres://localhost:{{port}}/via-{{services.db.port}}" },
      },
      { db: 5432, proxy: 6432 },
    );
    expect(s.proxy!.url).toBe("postgres://localhost:6432/via-5432");
  });

  test("an http ready check on a path still probes http on the port", () => {
    const s = plan(
      { db: { command: "x", scheme: "postgres", ready: { http: "/health" } } },
      { db: 8000 },
    );
    expect(s.db!.ready).toMatchObject({ kind: "http", url: "http://127.0.0.1:8000/health" });
  });
});

describe("planApp: a service without a port", () => {
  test("gets no PORT, no URL, no BERTH_ variables of its own, and is ready once started", () => {
    const s = plan(
      { worker: { command: "node worker.js" }, api: { command: "x", port: "auto" } },
      { api: 3000 },
    );
    expect(s.worker!.port).toBeUndefined();
    expect(s.worker!.url).toBeUndefined();
    expect(s.worker!.ready).toBeUndefined();
    expect(s.worker!.env.PORT).toBeUndefined();
    expect(Object.keys(s.api!.env).filter((k) => k.startsWith("BERTH_WORKER"))).toEqual([]);
    expect(s.worker!.env.BERTH_API_URL).toBe("http://localhost:3000");
  });
});

describe("planApp: readiness without a ready check", () => {
  test("a service with a port is ready once its port accepts connections", () => {
    const s = plan(
      {
        api: { command: "x", port: "auto" },
        checked: { command: "x", port: "auto", ready: { log: "up" } },
        job: { command: "x {{port}}", oneshot: true },
      },
      { api: 3000, checked: 3001, job: 3002 },
    );
    expect(s.api!.ready).toEqual({ kind: "tcp", port: 3000, timeoutMs: 60_000, implied: true });
    expect(s.checked!.ready).toMatchObject({ kind: "log" });
    // A oneshot completes; it is never waited on for readiness.
    expect(s.job!.ready).toBeUndefined();
  });
});

describe("planApp: watch", () => {
  test("relative to the service's working folder", () => {
    const s = plan({ api: { command: "x", cwd: "packages/api", watch: "src/**/*.ts" } });
    expect(s.api!.watch).toEqual({
      root: "/work/app/packages/api",
      paths: ["src/**/*.ts"],
      ignore: ["**/node_modules/**", "**/.git/**", "**/.berth/**"],
      debounceMs: 300,
    });
  });
});
