import { describe, expect, test } from "vitest";
import type { NormalizedService } from "./normalized.js";
import { validateConfig } from "./validate.js";

const file = "/work/app/berth.config.ts";
const services = (services: Record<string, unknown>) => validateConfig({ services }, file).services;
const service = (config: Record<string, unknown>): NormalizedService =>
  services({ api: config })[0]!;

describe("normalized config", () => {
  test("a long-running service gets every default", () => {
    const config = validateConfig({ services: { api: { command: "node api.js" } } }, file);
    expect(config).toEqual({
      file,
      projectDir: "/work/app",
      envFileNames: [],
      services: [
        {
          name: "api",
          oneshot: false,
          command: "node api.js",
          args: [],
          env: {},
          fromEnvFiles: [],
          port: null,
          dependsOn: [],
          container: { published: true },
          restart: {
            policy: "on-failure",
            maxRestarts: 5,
            windowMs: 60_000,
            initialDelayMs: 200,
            maxDelayMs: 10_000,
          },
          stop: { signal: "SIGTERM", graceMs: 5_000 },
        },
      ],
    });
    expect("name" in config).toBe(false);
  });

  test("a oneshot gets no restarts by default, and no port unless it needs one", () => {
    const job = service({ command: ["node", "migrate.js"], oneshot: true });
    expect(job.port).toBeNull();
    expect(job.restart.policy).toBe("no");
    expect(job.command).toEqual(["node", "migrate.js"]);
  });

  test("a oneshot may have a readiness check of its own", () => {
    const job = service({ command: "seed", oneshot: true, ready: { log: "seeded" } });
    expect(job.ready).toEqual({ kind: "log", pattern: /seeded/, timeoutMs: 60_000 });
  });

  test("ports become port requests", () => {
    expect(service({ command: "x", port: 3000 }).port).toEqual({ mode: "preferred", port: 3000 });
    expect(service({ command: "x", port: 3000, strictPort: true }).port).toEqual({
      mode: "strict",
      port: 3000,
    });
    expect(service({ command: "x", port: "auto" }).port).toEqual({ mode: "auto" });
    expect(service({ command: "x", port: false }).port).toBeNull();
    expect(service({ command: "x", oneshot: true, port: 4000 }).port).toEqual({
      mode: "preferred",
      port: 4000,
    });
  });

  test("durations, restart and stop options", () => {
    const api = service({
      command: "x",
      stopSignal: "SIGINT",
      stopTimeout: "1.5s",
      restart: { policy: "always", maxRestarts: 0, window: "2m", delay: 50, maxDelay: "1s" },
    });
    expect(api.stop).toEqual({ signal: "SIGINT", graceMs: 1500 });
    expect(api.restart).toEqual({
      policy: "always",
      maxRestarts: 0,
      windowMs: 120_000,
      initialDelayMs: 50,
      maxDelayMs: 1000,
    });
    expect(service({ command: "x", restart: "no" }).restart.policy).toBe("no");
    expect(service({ command: "x", oneshot: true, restart: "on-failure" }).restart.policy).toBe(
      "on-failure",
    );
  });

  test("env values are stringified and keep their templates", () => {
    const api = service({
      command: "x",
      env: { A: 1, B: true, C: "{{services.api.url}}" },
    });
    expect(api.env).toEqual({ A: "1", B: "true", C: "{{services.api.url}}" });
  });

  test("ready checks", () => {
    const ready = (ready: unknown) => service({ command: "x", ready }).ready;
    expect(ready({ http: "/health" })).toEqual({
      kind: "http",
      path: "/health",
      timeoutMs: 60_000,
    });
    expect(ready({ http: {}, timeout: "5s" })).toEqual({
      kind: "http",
      path: "/",
      timeoutMs: 5000,
    });
    expect(
      ready({ http: { url: "http://localhost:1/x", status: 204, body: "{{instance.name}}" } }),
    ).toEqual({
      kind: "http",
      url: "http://localhost:1/x",
      status: 204,
      body: "{{instance.name}}",
      timeoutMs: 60_000,
    });
    expect(ready({ tcp: true })).toEqual({ kind: "tcp", timeoutMs: 60_000 });
    expect(ready({ tcp: { port: 5432 } })).toEqual({ kind: "tcp", port: 5432, timeoutMs: 60_000 });
    expect(ready({ command: ["pg_isready"] })).toEqual({
      kind: "command",
      command: ["pg_isready"],
      timeoutMs: 60_000,
    });
  });

  test("a log substring matches literally; a RegExp loses its stateful flags", () => {
    const substring = service({ command: "x", ready: { log: "ready (v1.2) [ok]" } }).ready;
    expect(substring?.kind === "log" && substring.pattern.test("x ready (v1.2) [ok] y")).toBe(true);
    expect(substring?.kind === "log" && substring.pattern.test("ready (v1x2) [ok]")).toBe(false);
    const regexp = service({ command: "x", ready: { log: /listening on \d+/gi } }).ready;
    if (regexp?.kind !== "log") throw new Error("expected a log check");
    expect(regexp.pattern.flags).toBe("i");
    expect(regexp.pattern.test("Listening on 80")).toBe(true);
    expect(regexp.pattern.test("Listening on 80")).toBe(true);
  });

  test("dependency conditions: named, or ready / completed by the dependency's kind", () => {
    const all = services({
      migrate: { command: "x", oneshot: true },
      db: { command: "x" },
      api: { command: "x", dependsOn: ["migrate", "db"] },
      worker: { command: "x", dependsOn: { api: "started", migrate: "ready" } },
    });
    expect(all.map((s) => [s.name, s.dependsOn])).toEqual([
      ["migrate", []],
      ["db", []],
      [
        "api",
        [
          { name: "migrate", condition: "completed" },
          { name: "db", condition: "ready" },
        ],
      ],
      [
        "worker",
        [
          { name: "api", condition: "started" },
          { name: "migrate", condition: "ready" },
        ],
      ],
    ]);
  });

  test("keeps the instance name, cwd and the user's service order", () => {
    const config = validateConfig(
      { name: "shop", services: { b: { command: "x", cwd: "web" }, a: { command: "y" } } },
      file,
    );
    expect(config.name).toBe("shop");
    expect(config.services.map((s) => s.name)).toEqual(["b", "a"]);
    expect(config.services[0]!.cwd).toBe("web");
  });
});
