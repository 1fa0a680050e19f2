import { describe, expect, test } from "vitest";
import { isBerthError } from "../errors.js";
import { validateConfig } from "./validate.js";

const file = "/work/app/berth.config.ts";

/** Each service's port request, by name. */
function ports(services: Record<string, unknown>) {
  return Object.fromEntries(
    validateConfig({ services }, file).services.map((s) => [s.name, s.port]),
  );
}

function problems(services: Record<string, unknown>): string[] {
  try {
    validateConfig({ services }, file);
  } catch (error) {
    if (isBerthError(error, "CONFIG_INVALID")) return error.details;
    throw error;
  }
  throw new Error("expected the config to be invalid");
}

const auto = { mode: "auto" };

describe("a port only where one is needed", () => {
  test("a service that nothing needs a port of gets none", () => {
    expect(
      ports({ worker: { command: "node worker.js" }, job: { command: "x", oneshot: true } }),
    ).toEqual({
      worker: null,
      job: null,
    });
  });

  test("a port given is kept", () => {
    expect(ports({ a: { command: "x", port: "auto" }, b: { command: "x", port: 3000 } })).toEqual({
      a: auto,
      b: { mode: "preferred", port: 3000 },
    });
  });

  test("a ready check on its own port needs one; other checks do not", () => {
    expect(
      ports({
        http: { command: "x", ready: { http: "/health" } },
        tcp: { command: "x", ready: { tcp: true } },
        url: { command: "x", ready: { http: { url: "http://127.0.0.1:9000/" } } },
        other: { command: "x", ready: { tcp: { port: 9000 } } },
        log: { command: "x", ready: { log: "up" } },
      }),
    ).toEqual({ http: auto, tcp: auto, url: null, other: null, log: null });
  });

  test("a url or a scheme needs one", () => {
    expect(
      ports({
        pg: { command: "x", url: "postgres://localhost:{{port}}/app" },
        redis: { command: "x", scheme: "redis" },
      }),
    ).toEqual({ pg: auto, redis: auto });
  });

  test("a template naming its port or URL needs one, wherever it is written", () => {
    expect(
      ports({
        self: { command: "serve --port {{port}}" },
        selfUrl: { command: "x", env: { PUBLIC: "{{url}}" } },
        db: { command: "x" },
        cache: { command: "x" },
        store: { command: "x" },
        api: {
          command: ["node", "api.js", "{{services.db.port}}"],
          env: { CACHE: "{{services.cache.url}}", DATA: "{{services.store.dataDir}}" },
        },
      }),
    ).toEqual({ self: auto, selfUrl: auto, db: auto, cache: auto, store: null, api: null });
  });

  test("port: false with something that needs a port is an error", () => {
    expect(
      problems({
        db: { command: "x", port: false },
        api: { command: "x", env: { DB: "{{services.db.url}}" } },
      }),
    ).toEqual([
      'services.api.env.DB: {{services.db.url}} needs a port, but service "db" has `port: false` (remove it, or set a port)',
    ]);
  });
});

describe("url and scheme", () => {
  test("a scheme becomes the URL template; a url is kept as written", () => {
    const [redis, pg, api] = validateConfig(
      {
        services: {
          redis: { command: "x", scheme: "redis" },
          pg: { command: "x", url: "postgres://postgres@localhost:{{port}}/app" },
          api: { command: "x", port: "auto" },
        },
      },
      file,
    ).services;
    expect(redis!.url).toBe("redis://localhost:{{port}}");
    expect(pg!.url).toBe("postgres://postgres@localhost:{{port}}/app");
    expect(api!.url).toBeUndefined();
  });

  test("problems", () => {
    expect(
      problems({
        a: { command: "x", url: "localhost:{{port}}" },
        b: { command: "x", scheme: "redis://" },
        c: { command: "x", url: "redis://x:{{port}}", scheme: "redis" },
        d: { command: "x", port: false, scheme: "redis" },
        e: { command: "x", url: "redis://:{{instance.secret}}@localhost:{{port}}" },
        f: { command: "x", url: "http://proxy/{{services.a.url}}" },
        g: { command: "x", url: "http://localhost:{{prot}}" },
      }),
    ).toEqual([
      'services.a.url: expected a URL template like "postgres://postgres@localhost:{{port}}/app", got "localhost:{{port}}"',
      'services.b.scheme: expected a URL scheme like "redis" or "postgres" (without "://"), got "redis://"',
      "services.c.scheme: give either `url` (the whole URL) or `scheme`, not both",
      "services.d.scheme: a URL needs a port, but port is false; remove `scheme` or the `port: false`",
      "services.e.url: {{instance.secret}} cannot be part of a URL: URLs are shown by `berth ps` and in the terminal; pass the secret in `env` instead",
      "services.f.url: {{services.a.url}} cannot be used in a URL (URLs are made one by one from ports); use {{port}} or {{services.<name>.port}}",
      "services.g.url: unknown template variable {{prot}}; did you mean {{port}}? (known: port, url, host, dataDir, name, projectDir, instance.name, instance.secret, services.<name>.port, services.<name>.url, services.<name>.host, services.<name>.dataDir)",
    ]);
  });
});
