import { describe, expect, test } from "vitest";
import { isBerthError } from "../errors.js";
import { MAX_SERVICES, validateConfig } from "./validate.js";

const file = "/work/app/berth.config.ts";

/** The problem lines a user would read for this config. */
function problems(raw: unknown): string[] {
  try {
    validateConfig(raw, file);
  } catch (error) {
    if (isBerthError(error, "CONFIG_INVALID")) return error.details;
    throw error;
  }
  throw new Error("expected the config to be invalid");
}

const one = (service: Record<string, unknown>) => ({ services: { api: service } });

describe("validateConfig errors", () => {
  test("names the file and counts the problems", () => {
    expect(() => validateConfig({ services: {} }, file)).toThrow(
      "Invalid config /work/app/berth.config.ts (1 problem); fix it and try again.",
    );
    const error = (() => {
      try {
        return validateConfig(one({ command: 1, port: "x" }), file);
      } catch (error) {
        return error;
      }
    })();
    expect(isBerthError(error, "CONFIG_INVALID") && error.exitCode).toBe(3);
    expect((error as Error).message).toBe(
      "Invalid config /work/app/berth.config.ts (2 problems); fix them and try again.",
    );
  });

  test("a config that is not an object, and empty services", () => {
    expect(problems(undefined)).toEqual([
      "config: missing; expected a config object (export default defineConfig({ services: { ... } }))",
    ]);
    expect(problems({ services: {} })).toEqual([
      'services: expected at least one service, like { api: { command: "node api.js" } }, got {}',
    ]);
    expect(problems({ services: [] })).toEqual([
      'services: expected an object of services, like { api: { command: "node api.js" } }, got []',
    ]);
    expect(problems({})).toEqual([
      'services: missing; expected an object of services, like { api: { command: "node api.js" } }',
    ]);
  });

  test("unknown keys, with a did-you-mean only when close", () => {
    expect(problems({ servics: {}, services: { api: { command: "x", dependOn: [] } } })).toEqual([
      "servics: unknown key; did you mean `services`?",
      "services.api.dependOn: unknown key; did you mean `dependsOn`?",
    ]);
    expect(problems(one({ command: "x", colour: "red" }))).toEqual([
      "services.api.colour: unknown key; expected one of: command, binary, args, cwd, env, envFile, port, strictPort, url, scheme, watch, ready, dependsOn, restart, stopSignal, stopTimeout, oneshot, image, build, publish",
    ]);
    expect(problems(one({ command: "x", ready: { htp: "/" } }))).toEqual([
      "services.api.ready.htp: unknown key; did you mean `http`?",
    ]);
    expect(problems(one({ command: "x", ready: { http: { path: "/", staus: 200 } } }))).toEqual([
      "services.api.ready.http.staus: unknown key; did you mean `status`?",
    ]);
    expect(problems(one({ command: "x", restart: { maxRestart: 1 } }))).toEqual([
      "services.api.restart.maxRestart: unknown key; did you mean `maxRestarts`?",
    ]);
  });

  test("wrong types name the field, what was expected and what was found", () => {
    expect(problems(one({ command: "x", port: "3000x" }))).toEqual([
      'services.api.port: expected a port number (1-65535), "auto" or false, got "3000x"',
    ]);
    expect(problems(one({ command: "x", port: 70000 }))).toEqual([
      'services.api.port: expected a port number (1-65535), "auto" or false, got 70000',
    ]);
    expect(problems(one({}))).toEqual([
      "services.api.command: missing; expected a command: a string run by /bin/sh, or an argv array of strings (or a `binary` to download)",
    ]);
    expect(problems(one({ command: ["node", 1] }))).toEqual([
      "services.api.command[1]: expected a string, got 1",
    ]);
    expect(problems(one({ command: [] }))).toEqual([
      "services.api.command: expected an argv array starting with the program to run, got []",
    ]);
    expect(problems(one({ command: "" }))).toEqual([
      'services.api.command: expected a non-empty command, got ""',
    ]);
    expect(problems(one({ command: "x", env: { A: { b: 1 } } }))).toEqual([
      "services.api.env.A: expected a string, number or boolean, got an object",
    ]);
    expect(problems(one({ command: "x", oneshot: "yes", stopSignal: "SIGSTOP" }))).toEqual([
      'services.api.stopSignal: expected "SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP", "SIGUSR1", "SIGUSR2", got "SIGSTOP"',
      'services.api.oneshot: expected true or false, got "yes"',
    ]);
    expect(problems({ services: { api: "node api.js" } })).toEqual([
      'services.api: expected a service: an object with a `command` or a `binary`, got "node api.js"',
    ]);
    expect(problems(one({ command: "x", restart: "sometimes" }))).toEqual([
      'services.api.restart: expected "no", "on-failure" or "always", got "sometimes"',
    ]);
    expect(problems(one({ command: "x", dependsOn: "db" }))).toEqual([
      'services.api.dependsOn: expected an array of service names, or { [service]: "started" | "ready" | "completed" }, got "db"',
    ]);
  });

  test("ready checks", () => {
    expect(problems(one({ command: "x", ready: { http: { path: "/", status: 99 } } }))).toEqual([
      "services.api.ready.http.status: expected an HTTP status code (100-599), got 99",
    ]);
    expect(problems(one({ command: "x", ready: { http: "health" } }))).toEqual([
      'services.api.ready.http: expected a path starting with "/", got "health"',
    ]);
    expect(problems(one({ command: "x", ready: { http: 8080 } }))).toEqual([
      'services.api.ready.http: expected a path like "/health", or { path, url, status, body }, got 8080',
    ]);
    expect(problems(one({ command: "x", ready: { http: "/", tcp: true } }))).toEqual([
      "services.api.ready: expected exactly one check: http, tcp, log or command, got http and tcp",
    ]);
    expect(problems(one({ command: "x", ready: { timeout: "5s" } }))).toEqual([
      "services.api.ready: expected exactly one check: http, tcp, log or command, got none",
    ]);
    expect(problems(one({ command: "x", ready: { tcp: false } }))).toEqual([
      "services.api.ready.tcp: expected true (the service's own port) or { port: number }, got false",
    ]);
    expect(
      problems(one({ command: "x", ready: { http: { path: "/", url: "http://x" } } })),
    ).toEqual([
      "services.api.ready.http.url: expected either `path` (on the service's own port) or `url`, not both",
    ]);
  });

  test("ready checks that need the service's own port", () => {
    expect(problems(one({ command: "x", port: false, ready: { tcp: true } }))).toEqual([
      "services.api.ready.tcp: `tcp: true` checks the service's own port, but api has none (port: false); set `port`, or use { tcp: { port: <number> } }",
    ]);
    expect(problems(one({ command: "x", port: false, ready: { http: "/" } }))).toEqual([
      "services.api.ready.http: a path is probed on the service's own port, but api has none (port: false); set `port`, or give a full `url`",
    ]);
    // A full URL or another port needs nothing of the service.
    expect(() =>
      validateConfig(one({ command: "x", port: false, ready: { tcp: { port: 5432 } } }), file),
    ).not.toThrow();
    expect(() =>
      validateConfig(
        one({ command: "x", port: false, ready: { http: { url: "http://h/" } } }),
        file,
      ),
    ).not.toThrow();
  });

  test("bad durations", () => {
    expect(problems(one({ command: "x", stopTimeout: "10 seconds" }))).toEqual([
      'services.api.stopTimeout: expected a duration: milliseconds as a number, or a string like "500ms", "10s", "2m", got "10 seconds"',
    ]);
    expect(problems(one({ command: "x", ready: { tcp: true, timeout: "500" } }))).toEqual([
      'services.api.ready.timeout: expected a duration: milliseconds as a number, or a string like "500ms", "10s", "2m", got "500" (add a unit)',
    ]);
    expect(problems(one({ command: "x", restart: { window: 0 } }))).toEqual([
      "services.api.restart.window: expected a duration above 0, got 0",
    ]);
    expect(problems(one({ command: "x", restart: { delay: "20s" } }))).toEqual([
      "services.api.restart.delay: expected at most maxDelay (10000ms), got 20000ms; raise `maxDelay` too",
    ]);
  });

  test("port options that contradict each other", () => {
    expect(problems(one({ command: "x", strictPort: true }))).toEqual([
      "services.api.strictPort: needs a fixed port number, but port is not set; set `port` to a number",
    ]);
    expect(problems(one({ command: "x", oneshot: true, restart: "always" }))).toEqual([
      'services.api.restart: a oneshot cannot restart "always" (it would never complete); use "no" or "on-failure"',
    ]);
  });

  test("service names and their collisions as environment names", () => {
    expect(problems({ services: { "my api": { command: "x" }, "1st": { command: "x" } } })).toEqual(
      [
        'services["my api"]: expected a service name of letters, digits, "-" and "_" that starts with a letter, got "my api"',
        'services["1st"]: expected a service name of letters, digits, "-" and "_" that starts with a letter, got "1st"',
      ],
    );
    expect(
      problems({ services: { "my-api": { command: "x" }, my_api: { command: "x" } } }),
    ).toEqual([
      'services.my_api: name collides with "my-api": both set BERTH_MY_API_PORT and BERTH_MY_API_URL; rename one',
    ]);
  });

  test("dependencies on missing services, on itself, listed twice, or waiting to complete", () => {
    const services = {
      api: { command: "x", dependsOn: ["dbb", "api"] },
      worker: { command: "x", dependsOn: { api: "ready", queue: "started" } },
      web: { command: "x", dependsOn: ["api", "api"] },
      job: { command: "x", dependsOn: { api: "completed" } },
    };
    expect(problems({ services })).toEqual([
      'services.api.dependsOn[0]: no service named "dbb"; services are: api, worker, web, job',
      "services.api.dependsOn[1]: a service cannot depend on itself",
      'services.worker.dependsOn.queue: no service named "queue"; services are: api, worker, web, job',
      'services.web.dependsOn[1]: "api" is listed twice',
      'services.job.dependsOn.api: "completed" waits for api to exit with code 0, but api is not a oneshot; use "ready" or "started", or set `oneshot: true` on api',
    ]);
    expect(
      problems({ services: { api: { command: "x" }, w: { command: "x", dependsOn: ["apii"] } } }),
    ).toEqual(['services.w.dependsOn[0]: no service named "apii"; did you mean "api"?']);
    expect(problems(one({ command: "x", dependsOn: { db: "up" } }))).toEqual([
      'services.api.dependsOn.db: expected "started", "ready" or "completed", got "up"',
    ]);
  });

  test("a dependency cycle is named in full", () => {
    const services = {
      api: { command: "x", dependsOn: ["worker"] },
      worker: { command: "x", dependsOn: ["db"] },
      db: { command: "x", dependsOn: { api: "started" } },
      web: { command: "x", dependsOn: ["web2"] },
      web2: { command: "x", dependsOn: ["web"] },
    };
    expect(problems({ services })).toEqual([
      "services.api.dependsOn: dependency cycle: api → worker → db → api; remove one of these dependencies",
      "services.web.dependsOn: dependency cycle: web → web2 → web; remove one of these dependencies",
    ]);
  });

  test("a broken service still has its dependencies checked", () => {
    expect(
      problems({ services: { api: { command: 1, dependsOn: ["wrk"] }, worker: { command: "x" } } }),
    ).toEqual([
      "services.api.command: expected a command: a string run by /bin/sh, or an argv array of strings, got 1",
      'services.api.dependsOn[0]: no service named "wrk"; services are: api, worker',
    ]);
  });

  test("template references", () => {
    const services = {
      db: { command: "x", port: false },
      api: {
        command: ["node", "{{services.dbb.url}}"],
        cwd: "{{ projectDir }}/{{nme}}",
        env: { A: "{{services.db.port}}", B: "{{ url", C: "{{services.db.ulr}}" },
        ready: { http: { path: "/", body: "{{instance.nam}}" } },
      },
      job: {
        command: "run {{port}}",
        oneshot: true,
        port: false,
        ready: { command: "check {{url}}" },
      },
    };
    expect(problems({ services })).toEqual([
      'services.api.command[1]: {{services.dbb.url}} refers to a service "dbb" that does not exist; did you mean "db"?',
      "services.api.cwd: unknown template variable {{nme}}; did you mean {{name}}? (known: port, url, host, dataDir, name, projectDir, instance.name, instance.secret, services.<name>.port, services.<name>.url, services.<name>.host, services.<name>.dataDir)",
      'services.api.env.A: {{services.db.port}} needs a port, but service "db" has `port: false` (remove it, or set a port)',
      'services.api.env.B: "{{" is not closed by "}}" (write "\\\\{{" for a literal "{{")',
      "services.api.env.C: unknown template variable {{services.db.ulr}}; did you mean {{services.db.url}}? (known: port, url, host, dataDir, name, projectDir, instance.name, instance.secret, services.<name>.port, services.<name>.url, services.<name>.host, services.<name>.dataDir)",
      "services.api.ready.http.body: unknown template variable {{instance.nam}}; did you mean {{instance.name}}? (known: port, url, host, dataDir, name, projectDir, instance.name, instance.secret, services.<name>.port, services.<name>.url, services.<name>.host, services.<name>.dataDir)",
      'services.job.command: {{port}} needs a port, but service "job" has `port: false` (remove it, or set a port)',
      'services.job.ready.command: {{url}} needs a port, but service "job" has `port: false` (remove it, or set a port)',
    ]);
  });

  test("every problem at once, grouped by service in the user's order", () => {
    const raw = {
      services: {
        api: { command: "x", port: "3000x", dependsOn: ["worker"] },
        worker: { command: "x", dependsOn: ["api"], stopTimeout: "soon" },
      },
      nmae: "x",
    };
    expect(problems(raw)).toEqual([
      "nmae: unknown key; did you mean `name`?",
      'services.api.port: expected a port number (1-65535), "auto" or false, got "3000x"',
      "services.api.dependsOn: dependency cycle: api → worker → api; remove one of these dependencies",
      'services.worker.stopTimeout: expected a duration: milliseconds as a number, or a string like "500ms", "10s", "2m", got "soon"',
    ]);
  });
});

describe("validateConfig at scale", () => {
  const many = (n: number, service: (i: number) => unknown) =>
    Object.fromEntries(Array.from({ length: n }, (_, i) => [`s${i}`, service(i)]));

  test(`at most ${MAX_SERVICES} services`, () => {
    const ok = validateConfig(
      { services: many(MAX_SERVICES, () => ({ command: "sleep 1", port: false })) },
      file,
    );
    expect(ok.services).toHaveLength(MAX_SERVICES);
    expect(problems({ services: many(10_000, () => ({ command: "sleep 1" })) })).toEqual([
      "services: expected at most 2,000 services, got 10,000 (each runs a process with two pipes); split the project into several configs, each run by its own berth",
    ]);
  });

  test("thousands of problems are listed up to 50, then counted", () => {
    let error: unknown;
    try {
      validateConfig({ services: many(1500, () => ({ command: 1 })) }, file);
    } catch (caught) {
      error = caught;
    }
    expect((error as Error).message).toContain("(1,500 problems)");
    const details = isBerthError(error) ? error.details : [];
    expect(details).toHaveLength(51);
    expect(details[0]).toMatch(/^services\.s0\.command: /);
    expect(details[50]).toBe("… and 1,450 more");
  });

  test("a missing dependency among thousands of services names a few, then counts", () => {
    const services = many(1000, () => ({ command: "sleep 1", dependsOn: ["zzzzzzzz"] }));
    const first = problems({ services })[0]!;
    expect(first).toMatch(
      /^services\.s0\.dependsOn\[0\]: no service named "zzzzzzzz"; services are: s0, s1, .* … and 980 more$/,
    );
  });
});

describe("the dashboard field", () => {
  const api = { api: { command: "node api.js" } };

  test("absent, false, or a port", () => {
    expect(validateConfig({ services: api }, file).dashboard).toBeUndefined();
    expect(validateConfig({ services: api, dashboard: false }, file).dashboard).toBe(false);
    expect(validateConfig({ services: api, dashboard: {} }, file).dashboard).toEqual({});
    expect(validateConfig({ services: api, dashboard: { port: 4000 } }, file).dashboard).toEqual({
      port: 4000,
    });
  });

  test("a wrong value says what is expected, where", () => {
    expect(problems({ services: api, dashboard: true })).toEqual([
      "dashboard: expected false (no dashboard) or an object like { port: 4000 }, got true",
    ]);
    expect(problems({ services: api, dashboard: { port: 70000 } })).toEqual([
      "dashboard.port: expected a port number (1-65535), got 70000",
    ]);
    expect(problems({ services: api, dashboard: { prot: 4000 } })).toEqual([
      "dashboard.prot: unknown key; did you mean `port`?",
    ]);
  });
});
