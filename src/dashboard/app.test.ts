import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { FakeTarget } from "../../test/helpers/control-host.js";
import { RpcErrorCode } from "../control/codes.js";
import { ControlError } from "../control/errors.js";
import { Masks } from "../control/mask.js";
import { dashboardApp } from "./app.js";
import { Sessions } from "./sessions.js";

const SECRET = "s3cr3t-0123456789abcdef";
const ORIGIN = "http://127.0.0.1:4000";

function setup(
  options: {
    logFile?: (service: string) => string | undefined;
    backlogBytes?: number;
    linesPerSecond?: number;
    burstLines?: number;
    dependsOn?: () => Record<string, { name: string; condition: string }[]>;
  } = {},
) {
  const target = new FakeTarget({
    services: {
      api: { command: `node api.js --key ${SECRET}` },
      web: { port: 3001, url: "http://127.0.0.1:3001" },
    },
  });
  const sessions = new Sessions(4000);
  const app = dashboardApp({
    target,
    sessions,
    masks: new Masks([SECRET]),
    logFile: options.logFile ?? (() => undefined),
    ...(options.backlogBytes === undefined ? {} : { backlogBytes: options.backlogBytes }),
    ...(options.linesPerSecond === undefined ? {} : { linesPerSecond: options.linesPerSecond }),
    ...(options.burstLines === undefined ? {} : { burstLines: options.burstLines }),
    ...(options.dependsOn === undefined ? {} : { dependsOn: options.dependsOn }),
  });
  /** A request as the browser on the dashboard's own page makes it. */
  const request = (path: string, init: RequestInit = {}) =>
    app.request(`${ORIGIN}${path}`, {
      ...init,
      headers: { host: "127.0.0.1:4000", ...(init.headers as Record<string, string>) },
    });
  return { target, sessions, app, request };
}

/** Logs in with the current token; the cookie header and the page's CSRF token. */
async function login(env: ReturnType<typeof setup>) {
  const response = await env.request(`/login?token=${env.sessions.loginToken}`);
  const cookie = response.headers.get("set-cookie")!.split(";")[0]!;
  const host = await env.request("/api/host", { headers: { cookie } });
  const { csrf } = (await host.json()) as { csrf: string };
  return { cookie, csrf };
}

async function post(env: ReturnType<typeof setup>, path: string, headers: Record<string, string>) {
  return env.request(path, { method: "POST", headers });
}

/** The refused page's sentence on what happened. */
function reasonOf(page: string): string {
  return /<p id="reason">(.*)<\/p>/.exec(page)![1]!;
}

type Event = { event: string; data: unknown };
type LogsData = { batches: { service: string; lines: string[] }[]; dropped?: number };

/** The texts of a `logs` event's lines, in order. */
const textsOf = (data: LogsData) => data.batches.flatMap((batch) => batch.lines);

/** Reads Server-Sent Events: `until` is asked after each event of all read so far. */
function sse(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const events: Event[] = [];
  let text = "";
  return {
    async read(until: (events: Event[]) => boolean): Promise<Event[]> {
      while (!until(events)) {
        let end: number;
        if ((end = text.indexOf("\n\n")) >= 0) {
          const block = text.slice(0, end);
          text = text.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)![1]!;
          events.push({ event, data: JSON.parse(/^data: (.*)$/m.exec(block)![1]!) as unknown });
          continue;
        }
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
      return events;
    },
    cancel: () => reader.cancel(),
  };
}

describe("login", () => {
  test("the token sets an HttpOnly, SameSite=Strict cookie and redirects to a clean URL", async () => {
    const env = setup();
    const token = env.sessions.loginToken;
    const response = await env.request(`/login?token=${token}`);
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/");
    const cookie = response.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^berth-4000=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
    const services = await env.request("/api/services", {
      headers: { cookie: cookie.split(";")[0]! },
    });
    expect(services.status).toBe(200);
  });

  test("a token works once; the next link has a fresh one", async () => {
    const env = setup();
    const token = env.sessions.loginToken;
    expect((await env.request(`/login?token=${token}`)).status).toBe(303);
    const again = await env.request(`/login?token=${token}`);
    expect(again.status).toBe(401);
    expect(again.headers.get("set-cookie")).toBeNull();
    // A person opened it: a page that says what happened and how to get a fresh link.
    expect(again.headers.get("content-type")).toMatch(/^text\/html/);
    const page = await again.text();
    expect(reasonOf(page)).toBe(
      "This login link was used already, or is not this host&#39;s. Run <code>berth dashboard</code> for a fresh one.",
    );
    expect(page).toContain("<pre>berth dashboard</pre>");
    expect(env.sessions.loginToken).not.toBe(token);
    expect((await env.request(`/login?token=${env.sessions.loginToken}`)).status).toBe(303);
    expect((await env.request("/login")).status).toBe(401);
  });
});

describe("the guard", () => {
  const routes: [string, string][] = [
    ["GET", "/"],
    ["GET", "/api/host"],
    ["GET", "/api/services"],
    ["GET", "/api/logs"],
    ["GET", "/api/events"],
    ["POST", "/api/services/api/start"],
    ["POST", "/api/services/api/stop"],
    ["POST", "/api/services/api/restart"],
  ];

  test.each(routes)(
    "%s %s is 401 without the cookie, or with a wrong one",
    async (method, path) => {
      const env = setup();
      for (const cookie of [undefined, "berth-4000=nope", "berth-4001=nope"]) {
        const response = await env.request(path, {
          method,
          headers: { origin: ORIGIN, ...(cookie ? { cookie } : {}) },
        });
        expect(response.status).toBe(401);
        const text = await response.text();
        const error = path.startsWith("/api/")
          ? (JSON.parse(text) as { error: string }).error
          : reasonOf(text);
        expect(error).toMatch(/^Not logged in\./);
        if (!path.startsWith("/api/")) {
          expect(text).toContain("<h1>Not logged in</h1>");
          expect(text).toContain("<pre>berth dashboard</pre>");
        }
      }
      expect(env.target.subscribers).toBe(0);
    },
  );

  test("a Host header that is not a loopback name is refused, logged in or not", async () => {
    const env = setup();
    const { cookie } = await login(env);
    for (const host of ["evil.example:4000", "127.0.0.1.evil.example", "10.0.0.2:4000"]) {
      const response = await env.app.request(`http://${host}/api/services`, {
        headers: { host, cookie },
      });
      expect(response.status).toBe(403);
      expect(await response.json()).toEqual({
        error: `berth's dashboard answers only at 127.0.0.1 or localhost, not ${host}.`,
      });
      const login = await env.app.request(`http://${host}/login?token=${env.sessions.loginToken}`, {
        headers: { host },
      });
      expect(login.status).toBe(403);
      const page = await login.text();
      expect(page).toContain("<h1>Refused</h1>");
      expect(reasonOf(page)).toBe(
        `berth&#39;s dashboard answers only at 127.0.0.1 or localhost, not ${host}.`,
      );
      expect(page).toContain("<pre>berth dashboard</pre>");
      // Its one inline style is allowed by hash; nothing else may load.
      expect(login.headers.get("content-security-policy")).toMatch(
        /^default-src 'none'; style-src 'sha256-[\w+/]+=*';/,
      );
    }
    for (const host of ["localhost:4000", "[::1]:4000", "LOCALHOST:4000"]) {
      const response = await env.app.request(`http://${host}/api/services`, {
        headers: { host, cookie },
      });
      expect(response.status).toBe(200);
    }
  });

  test("no CORS: no answer grants another origin anything", async () => {
    const env = setup();
    const { cookie } = await login(env);
    const preflight = await env.request("/api/services/api/restart", {
      method: "OPTIONS",
      headers: { origin: "http://evil.example", "access-control-request-method": "POST", cookie },
    });
    expect(preflight.status).toBe(405);
    const get = await env.request("/api/services", {
      headers: { origin: "http://evil.example", cookie },
    });
    for (const response of [preflight, get]) {
      const names = [...response.headers.keys()];
      expect(names.filter((name) => name.startsWith("access-control-"))).toEqual([]);
    }
    expect(get.headers.get("x-frame-options")).toBe("DENY");
    expect(get.headers.get("cache-control")).toBe("no-store");
  });

  test("a change needs a POST from the page's own origin with the CSRF token", async () => {
    const env = setup();
    const { cookie, csrf } = await login(env);
    const path = "/api/services/api/restart";
    const refused: Record<string, string>[] = [
      { cookie, "x-berth-csrf": csrf },
      { cookie, "x-berth-csrf": csrf, origin: "http://evil.example" },
      { cookie, "x-berth-csrf": csrf, origin: "http://localhost:4000" },
      { cookie, origin: ORIGIN },
      { cookie, origin: ORIGIN, "x-berth-csrf": "guess" },
    ];
    for (const headers of refused) {
      const response = await post(env, path, headers);
      expect(response.status).toBe(403);
    }
    expect(env.target.service("api").restarts).toBe(0);
    expect(env.target.service("api").state).toBe("ready");
    const ok = await post(env, path, { cookie, origin: ORIGIN, "x-berth-csrf": csrf });
    expect(ok.status).toBe(200);
  });
});

describe("the page", () => {
  test("the page, its script and stylesheet, from the host itself", async () => {
    const env = setup();
    const { cookie } = await login(env);
    const page = await env.request("/", { headers: { cookie } });
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const html = await page.text();
    expect(html).toContain('<script type="module" src="/app.js"></script>');
    expect(html).not.toMatch(/https?:\/\//);
    const script = await env.request("/app.js", { headers: { cookie } });
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(await script.text()).toContain('new EventSource("/api/events?logs=*")');
    const css = await env.request("/app.css", { headers: { cookie } });
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect((await env.request("/app.js")).status).toBe(401);
  });
});

describe("the API", () => {
  test("host: its info without the login link, and the page's CSRF token", async () => {
    const env = setup();
    const { cookie, csrf } = await login(env);
    const body = (await (await env.request("/api/host", { headers: { cookie } })).json()) as {
      host: Record<string, unknown>;
      csrf: string;
    };
    expect(body.csrf).toBe(csrf);
    expect(body.csrf).toMatch(/^[\w-]{43}$/);
    expect(body.host).toMatchObject({
      appHostPath: "/home/dev/shop/berth.config.ts",
      instanceName: "shop-4f9a1c",
      dashboardUrl: ORIGIN,
    });
  });

  test("host: each service's dependencies, for the graph (none when not told)", async () => {
    const dependsOn = { api: [], web: [{ name: "api", condition: "ready" }] };
    for (const [env, expected] of [
      [setup({ dependsOn: () => dependsOn }), dependsOn],
      [setup(), {}],
    ] as const) {
      const { cookie } = await login(env);
      const body = (await (await env.request("/api/host", { headers: { cookie } })).json()) as {
        dependsOn: unknown;
      };
      expect(body.dependsOn).toEqual(expected);
    }
  });

  test("services: every service, with the instance secret masked", async () => {
    const env = setup();
    const { cookie } = await login(env);
    const response = await env.request("/api/services", { headers: { cookie } });
    const text = await response.text();
    expect(text).not.toContain(SECRET);
    const { services } = JSON.parse(text) as { services: { name: string; command: string }[] };
    expect(services.map((s) => s.name)).toEqual(["api", "web"]);
    expect(services[0]!.command).toBe("node api.js --key ***cdef");
  });

  test("start, stop and restart answer the service once done", async () => {
    const env = setup();
    const { cookie, csrf } = await login(env);
    const headers = { cookie, origin: ORIGIN, "x-berth-csrf": csrf };
    const stop = await post(env, "/api/services/web/stop", headers);
    expect(await stop.json()).toMatchObject({ service: { name: "web", state: "stopped" } });
    const start = await post(env, "/api/services/web/start", headers);
    expect(await start.json()).toMatchObject({ service: { name: "web", state: "ready" } });
    const restart = await post(env, "/api/services/api/restart", headers);
    const body = (await restart.json()) as { service: { state: string; command: string } };
    expect(body.service.state).toBe("ready");
    expect(body.service.command).not.toContain(SECRET);
  });

  test("an unknown service is 404, a start while the host stops 409", async () => {
    const env = setup();
    const { cookie, csrf } = await login(env);
    const headers = { cookie, origin: ORIGIN, "x-berth-csrf": csrf };
    const unknown = await post(env, "/api/services/nope/start", headers);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: 'no service named "nope"' });
    env.target.beforeAction = () =>
      Promise.reject(new ControlError(RpcErrorCode.shuttingDown, "The app host is stopping."));
    const stopping = await post(env, "/api/services/api/start", headers);
    expect(stopping.status).toBe(409);
    expect(await stopping.json()).toEqual({ error: "The app host is stopping." });
    const get = await env.request("/api/services/api/start", { headers: { cookie } });
    expect(get.status).toBe(404);
  });

  test("logs: recent lines, masked, with a bound", async () => {
    const env = setup();
    const { cookie } = await login(env);
    env.target.emitLog("api", ["one", `key ${SECRET}`]);
    env.target.emitLog("web", ["w"], "stderr");
    const get = async (query: string) => {
      const response = await env.request(`/api/logs${query}`, { headers: { cookie } });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const all = await get("");
    expect(all.status).toBe(200);
    expect((all.body.lines as { text: string }[]).map((l) => l.text)).toEqual([
      "one",
      "key ***cdef",
      "w",
    ]);
    const one = await get("?service=web&tail=5");
    expect(one.body.lines).toEqual([
      { service: "web", time: expect.any(Number), stream: "stderr", text: "w" },
    ]);
    expect((await get("?service=api&tail=1")).body.lines).toHaveLength(1);
    for (const tail of ["100001", "-1", "x", "1.5"]) {
      expect(await get(`?tail=${tail}`)).toEqual({
        status: 400,
        body: { error: "tail: expected a whole number from 0 to 100000." },
      });
    }
    expect((await get("?service=nope")).status).toBe(404);
  });

  test("logs: older lines of a service come from its log file, before the ring's", async () => {
    const dir = mkdtempSync(join(tmpdir(), "berth-dashboard-"));
    const file = join(dir, "api.log");
    writeFileSync(
      file,
      [
        "--- starting: node api.js",
        "old 1",
        `old ${SECRET}`,
        "--- starting: node api.js",
        "new 1",
        "new 2",
        "",
      ].join("\n"),
    );
    const env = setup({ logFile: (service) => (service === "api" ? file : undefined) });
    const { cookie } = await login(env);
    env.target.emitLog("api", ["new 1", "new 2"]);
    const response = await env.request("/api/logs?service=api&tail=4", { headers: { cookie } });
    const { lines } = (await response.json()) as { lines: { time: number | null; text: string }[] };
    expect(lines.map((l) => [l.text, l.time === null])).toEqual([
      ["old ***cdef", true],
      ["--- starting: node api.js", true],
      ["new 1", false],
      ["new 2", false],
    ]);
  });

  test("events: the services, then their changes and log lines, until the page leaves", async () => {
    const env = setup();
    const { cookie } = await login(env);
    const response = await env.request("/api/events?logs=*", { headers: { cookie } });
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(env.target.subscribers).toBe(1);
    env.target.setState("api", "stopping");
    env.target.emitLog("web", [`line ${SECRET}`]);
    const stream = sse(response.body!);
    const events = await stream.read((e) => e.length >= 3);
    expect(events.map((e) => e.event)).toEqual(["services", "service", "logs"]);
    expect(events[1]!.data).toMatchObject({
      service: { name: "api", state: "stopping" },
      previous: "ready",
    });
    expect(events[2]!.data).toEqual({
      batches: [
        { service: "web", time: expect.any(Number), stream: "stdout", lines: ["line ***cdef"] },
      ],
    });
    await stream.cancel();
    expect(env.target.subscribers).toBe(0);
  });

  test("events: one service's lines only; an unknown one is 404", async () => {
    const env = setup();
    const { cookie } = await login(env);
    expect((await env.request("/api/events?logs=nope", { headers: { cookie } })).status).toBe(404);
    const response = await env.request("/api/events?logs=web", { headers: { cookie } });
    env.target.emitLog("api", ["not this"]);
    env.target.emitLog("web", ["this"]);
    const stream = sse(response.body!);
    const events = await stream.read((e) => e.length >= 2);
    expect(events[1]).toEqual({
      event: "logs",
      data: { batches: [expect.objectContaining({ service: "web", lines: ["this"] })] },
    });
    await stream.cancel();
  });

  test("events: lines past a page's budget per second are dropped and counted", async () => {
    // 10 a second: one line each 100 ms, and no more at once.
    const env = setup({ linesPerSecond: 10, burstLines: 1 });
    const { cookie } = await login(env);
    const response = await env.request("/api/events?logs=api", { headers: { cookie } });
    const stream = sse(response.body!);
    await stream.read((e) => e.some((x) => x.event === "services"));
    for (let i = 0; i < 5; i++) env.target.emitLog("api", [`line ${i}`]);
    const noted = (e: Event) => (e.data as { dropped?: number }).dropped !== undefined;
    const events = await stream.read((e) => e.some(noted));
    const logs = events.filter((e) => e.event === "logs").map((e) => e.data as LogsData);
    expect(logs.map(textsOf)).toEqual([
      ["line 0"],
      [expect.stringMatching(/^berth: 4 log lines were dropped/)],
    ]);
    expect(logs.at(-1)!.dropped).toBe(4);
    await stream.cancel();
  });

  test("events: a burst after a quiet spell goes whole, up to its bound", async () => {
    const env = setup({ linesPerSecond: 10, burstLines: 5 });
    const { cookie } = await login(env);
    const response = await env.request("/api/events?logs=api", { headers: { cookie } });
    const stream = sse(response.body!);
    await stream.read((e) => e.some((x) => x.event === "services"));
    for (let i = 0; i < 8; i++) env.target.emitLog("api", [`line ${i}`]);
    const noted = (e: Event) => (e.data as { dropped?: number }).dropped !== undefined;
    const events = await stream.read((e) => e.some(noted));
    const logs = events.filter((e) => e.event === "logs").map((e) => e.data as LogsData);
    expect(logs.flatMap(textsOf)).toEqual([
      "line 0",
      "line 1",
      "line 2",
      "line 3",
      "line 4",
      expect.stringMatching(/^berth: 3 log lines were dropped/),
    ]);
    await stream.cancel();
  });

  test("events: a page that reads too slowly loses lines, and is told how many", async () => {
    const env = setup({ backlogBytes: 4096 });
    const { cookie } = await login(env);
    const response = await env.request("/api/events?logs=api", { headers: { cookie } });
    // Nothing is read meanwhile: the lines wait in the stream's queue, up to the bound.
    for (let i = 0; i < 1000; i++) env.target.emitLog("api", [`line ${i} ${"x".repeat(100)}`]);
    const stream = sse(response.body!);
    const noted = (e: Event) => (e.data as { dropped?: number }).dropped !== undefined;
    const events = await stream.read((e) => e.some(noted));
    const logs = events.filter((e) => e.event === "logs").map((e) => e.data as LogsData);
    const sent = logs.filter((l) => l.dropped === undefined).flatMap(textsOf).length;
    const note = logs.at(-1)!;
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThan(100);
    expect(note.dropped).toBe(1000 - sent);
    expect(textsOf(note)).toEqual([
      `berth: ${1000 - sent} log lines were dropped because this client read too slowly; the service's log file under .berth/logs/ has them all`,
    ]);
    // Lines flow again once the page has caught up.
    const count = events.length;
    env.target.emitLog("api", ["after"]);
    const after = await stream.read((e) => e.length > count);
    expect(after.at(-1)).toEqual({
      event: "logs",
      data: { batches: [expect.objectContaining({ lines: ["after"] })] },
    });
    await stream.cancel();
  });

  test("events: lines that come while lines flow are sent together, in order", async () => {
    const env = setup();
    const { cookie } = await login(env);
    const response = await env.request("/api/events?logs=*", { headers: { cookie } });
    const stream = sse(response.body!);
    await stream.read((e) => e.some((x) => x.event === "services"));
    env.target.emitLog("api", ["first"]);
    for (let i = 0; i < 50; i++) env.target.emitLog(i % 2 ? "web" : "api", [`line ${i}`]);
    const events = await stream.read((e) => e.filter((x) => x.event === "logs").length >= 2);
    const logs = events.filter((e) => e.event === "logs").map((e) => e.data as LogsData);
    expect(logs.map(textsOf)).toEqual([
      ["first"],
      Array.from({ length: 50 }, (_, i) => `line ${i}`),
    ]);
    expect(logs[1]!.batches.map((b) => b.service).slice(0, 3)).toEqual(["api", "web", "api"]);
    await stream.cancel();
  });
});
