import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runBerth, startBerth } from "./helpers/cli.js";
import { fixturesDir, tempProject } from "./helpers/project.js";

const node = JSON.stringify(process.execPath);
const server = JSON.stringify(join(fixturesDir, "server.mjs"));

function config(extra = ""): string {
  return `export default { ${extra} services: {
    api: { command: [${node}, ${server}], ready: { http: "/" }, env: { BODY: "secret {{instance.secret}}" } },
  } };\n`;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request with exactly these headers (fetch would not send a foreign Host). */
function request(
  url: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? "GET", headers: options.headers });
    req.on("error", reject);
    req.on("response", (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.end();
  });
}

/** Follows `/api/events` until `until` holds for the events read so far. */
function events(url: string, cookie: string) {
  const seen: { event: string; data: Record<string, unknown> }[] = [];
  const waiters = new Set<() => void>();
  let text = "";
  const req = httpRequest(url, { headers: { cookie } });
  const opened = new Promise<void>((resolve, reject) => {
    req.on("error", reject);
    req.on("response", (res) => {
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        text += chunk;
        let end: number;
        while ((end = text.indexOf("\n\n")) >= 0) {
          const block = text.slice(0, end);
          text = text.slice(end + 2);
          seen.push({
            event: /^event: (.*)$/m.exec(block)![1]!,
            data: JSON.parse(/^data: (.*)$/m.exec(block)![1]!) as Record<string, unknown>,
          });
        }
        for (const waiter of waiters) waiter();
      });
      resolve();
    });
  });
  req.end();
  return {
    opened,
    until(check: (events: typeof seen) => boolean): Promise<typeof seen> {
      return new Promise((resolve) => {
        const waiter = () => {
          if (!check(seen)) return;
          waiters.delete(waiter);
          resolve(seen);
        };
        waiters.add(waiter);
        waiter();
      });
    },
    close: () => req.destroy(),
  };
}

const LOGIN = /dashboard: (http:\/\/127\.0\.0\.1:(\d+))\/login\?token=([\w-]+)/;

describe("the dashboard of a running host", () => {
  it("logs in with the printed link, serves the API, streams changes, keeps its port", async () => {
    const dir = tempProject({ "berth.config.mjs": config() });
    const berth = startBerth(["run"], { cwd: dir });
    const [, origin = "", port, token = ""] = await berth.waitForOutput(LOGIN);
    const api = `${origin}/api`;

    // Without the cookie, nothing; a foreign Host header, not even with it.
    expect((await request(`${api}/services`)).status).toBe(401);
    const login = await request(`${origin}/login?token=${token}`);
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe("/");
    const cookie = (login.headers["set-cookie"] as string[])[0]!.split(";")[0]!;
    expect((await request(`${origin}/login?token=${token}`)).status).toBe(401);
    const foreign = await request(`${api}/services`, {
      headers: { cookie, host: `rebound.example:${port}` },
    });
    expect(foreign.status).toBe(403);

    const services = await request(`${api}/services`, { headers: { cookie } });
    expect(services.status).toBe(200);
    const list = JSON.parse(services.body) as {
      services: { name: string; state: string; pid: number }[];
    };
    expect(list.services).toMatchObject([{ name: "api", state: "ready" }]);
    const firstPid = list.services[0]!.pid;

    // A restart from another terminal shows on the page's stream.
    const stream = events(`${api}/events?logs=api`, cookie);
    await stream.opened;
    await stream.until((seen) => seen.some((e) => e.event === "services"));
    expect((await runBerth(["restart", "api"], { cwd: dir })).code).toBe(0);
    const states = (seen: { event: string; data: Record<string, unknown> }[]) =>
      seen
        .filter((e) => e.event === "service")
        .map((e) => (e.data.service as { state: string }).state);
    await stream.until(
      (seen) => states(seen).includes("stopping") && states(seen).at(-1) === "ready",
    );

    // And one from the page: a same-origin POST with the CSRF token.
    const { csrf } = JSON.parse((await request(`${api}/host`, { headers: { cookie } })).body) as {
      csrf: string;
    };
    const restart = await request(`${api}/services/api/restart`, {
      method: "POST",
      headers: { cookie, origin, "x-berth-csrf": csrf },
    });
    expect(restart.status).toBe(200);
    const restarted = JSON.parse(restart.body) as { service: { state: string; pid: number } };
    expect(restarted.service.state).toBe("ready");
    expect(restarted.service.pid).not.toBe(firstPid);
    stream.close();

    // The secret never reaches the page unmasked; the info carries no login link.
    const secret = JSON.parse(readFileSync(join(dir, ".berth", "state.json"), "utf8")) as {
      instance: { secret: string };
      dashboard: { port: number };
    };
    for (const path of ["/host", "/services", "/logs?service=api"]) {
      const answer = await request(`${api}${path}`, { headers: { cookie } });
      expect(answer.status).toBe(200);
      expect(answer.body).not.toContain(secret.instance.secret);
      expect(answer.body).not.toContain(token);
    }
    expect(secret.dashboard.port).toBe(Number(port));

    // `ps` and `status --json` carry a fresh login link; the next run keeps the port.
    const ps = JSON.parse((await runBerth(["ps", "--json"], { cwd: dir })).output) as {
      dashboardUrl: string;
    }[];
    expect(ps[0]!.dashboardUrl).toMatch(new RegExp(`^${origin}/login\\?token=[\\w-]{43}$`));
    expect(ps[0]!.dashboardUrl).not.toContain(token);
    const status = JSON.parse((await runBerth(["status", "--json"], { cwd: dir })).output) as {
      dashboardUrl: string;
    };
    expect(status.dashboardUrl).toBe(ps[0]!.dashboardUrl);
    const second = await request(status.dashboardUrl);
    expect(second.status).toBe(303);

    // `berth dashboard` prints a link that works (the last one was just used).
    const printed = await runBerth(["dashboard", "--no-open"], { cwd: dir });
    expect(printed.code).toBe(0);
    expect(printed.output).toMatch(new RegExp(`^${origin}/login\\?token=[\\w-]{43}\n$`));
    expect(printed.output).not.toContain(status.dashboardUrl);
    expect((await request(printed.output.trim())).status).toBe(303);

    expect((await runBerth(["stop"], { cwd: dir })).code).toBe(0);
    await berth.exited;
    const detached = await runBerth(["run", "--detach"], { cwd: dir });
    expect(detached.code).toBe(0);
    expect(detached.output).toMatch(LOGIN);
    expect(LOGIN.exec(detached.output)![2]).toBe(port);
    expect((await runBerth(["stop"], { cwd: dir })).code).toBe(0);
  });

  it("is off with `dashboard: false`", async () => {
    const dir = tempProject({ "berth.config.mjs": config("dashboard: false,") });
    const detached = await runBerth(["run", "--detach"], { cwd: dir });
    expect(detached.code).toBe(0);
    expect(detached.output).not.toContain("dashboard");
    const ps = JSON.parse((await runBerth(["ps", "--json"], { cwd: dir })).output) as {
      dashboardUrl: string | null;
    }[];
    expect(ps[0]!.dashboardUrl).toBeNull();
    const printed = await runBerth(["dashboard", "--no-open"], { cwd: dir });
    expect(printed.code).toBe(7);
    expect(printed.output).toContain("serves no dashboard: its config says `dashboard: false`");
    const state = readFileSync(join(dir, ".berth", "state.json"), "utf8");
    expect(state).not.toContain("dashboard");
    expect((await runBerth(["stop"], { cwd: dir })).code).toBe(0);
  });
});
