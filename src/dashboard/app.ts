import { Hono, type Context } from "hono";
import { setCookie } from "hono/cookie";
import { ControlError } from "../control/errors.js";
import { RpcErrorCode } from "../control/codes.js";
import type { Masks } from "../control/mask.js";
import type { ServiceInfo } from "../control/protocol.js";
import type { ControlTarget } from "../control/target.js";
import { eventStream } from "./event-stream.js";
import { guard, refuse, type GuardVariables } from "./guard.js";
import { servePages } from "./pages.js";
import { MAX_TAIL, recentLogs } from "./recent-logs.js";
import type { Sessions } from "./sessions.js";

export interface DashboardAppOptions {
  /** The app host, as the control socket serves it: the one source of truth. */
  target: ControlTarget;
  sessions: Sessions;
  /** Masks the instance secret in whatever is sent (one for the host, see control/mask). */
  masks: Masks;
  /** The log file of a service, if it has one. */
  logFile: (service: string) => string | undefined;
  /** Each service's `dependsOn` (for the page's graph); none when not given. */
  dependsOn?: () => Record<string, { name: string; condition: string }[]>;
  /** Bytes of log lines one page may leave unread before lines are dropped. */
  backlogBytes?: number;
  /** Log lines one page gets at most each second; the rest are dropped and counted. */
  linesPerSecond?: number;
  /** Log lines one page may get at once after a quiet spell, beyond `linesPerSecond`. */
  burstLines?: number;
}

/** Lines sent when a request names no `tail`. */
const DEFAULT_TAIL = 500;
const DEFAULT_BACKLOG_BYTES = 1024 * 1024;
/**
 * Far more than anyone reads (the page draws about 50 lines 10 times a second), far less
 * than a service can write. Each line sent costs the host about as much as its reading of
 * 20 lines, and the browser more: at 20 000 a second, a page cost a service writing flat
 * out a third of its speed even with the browser on a core of its own (bench/README.md).
 */
const DEFAULT_LINES_PER_SECOND = 5_000;
/** A burst a person scrolls through (a stack trace, a build's report) arrives whole. */
const DEFAULT_BURST_LINES = 2_000;

/**
 * The dashboard's HTTP app: plain Request → Response handlers behind the guard (loopback
 * Host, session cookie, CSRF). Tested with `app.request(…)`, without a port.
 *
 * Routes:
 * - `GET /login?token=…`: spends the one-time token, sets the session cookie, redirects to `/`.
 * - `GET /api/host`: the host's info, each service's `dependsOn` and the page's CSRF token.
 * - `GET /api/services`: every service.
 * - `POST /api/services/:name/start|stop|restart`: answers the service once done.
 * - `GET /api/logs?service=&tail=`: recent lines (at most 100 000).
 * - `GET /api/events?logs=<service>|*`: Server-Sent Events of changes (and lines).
 * - `GET /`, `/app.js`, `/app.css`: the page.
 *
 * @example
 * const app = dashboardApp({ target, sessions, masks, logFile: () => undefined });
 * const response = await app.request("/api/services", { headers: { cookie } });
 */
export function dashboardApp(options: DashboardAppOptions): Hono<{ Variables: GuardVariables }> {
  const { target, sessions, masks } = options;
  const app = new Hono<{ Variables: GuardVariables }>();
  app.use(guard(sessions));

  app.get("/login", (c) => {
    const session = sessions.login(c.req.query("token"));
    if (!session) {
      return refuse(
        c,
        401,
        "This login link was used already, or is not this host's. Run `berth dashboard` for a fresh one.",
      );
    }
    setCookie(c, sessions.cookieName, session.id, {
      httpOnly: true,
      sameSite: "Strict",
      path: "/",
    });
    return c.redirect("/", 303);
  });

  app.get("/api/host", (c) => {
    // The login link in the host's info is for the terminal, not for the page.
    const host = { ...target.info(), dashboardUrl: origin(c) };
    const dependsOn = options.dependsOn?.() ?? {};
    return c.json({ host, dependsOn, csrf: c.get("session").csrf });
  });

  app.get("/api/services", (c) =>
    c.json({ services: target.services().map((s) => masks.service(s)) }),
  );

  const actions = {
    start: (name: string) => target.startService(name),
    stop: (name: string) => target.stopService(name),
    restart: (name: string) => target.restartService(name),
  } as const;
  for (const [action, run] of Object.entries(actions)) {
    app.post(`/api/services/:name/${action}`, async (c) => {
      try {
        const service: ServiceInfo = await run(c.req.param("name"));
        return c.json({ service: masks.service(service) });
      } catch (error) {
        return failed(c, error);
      }
    });
  }

  app.get("/api/logs", (c) => {
    const tail = tailOf(c.req.query("tail"));
    if (tail === undefined) {
      return c.json({ error: `tail: expected a whole number from 0 to ${MAX_TAIL}.` }, 400);
    }
    try {
      const service = c.req.query("service") || undefined;
      const lines = recentLogs({ target, masks, logFile: options.logFile, service, tail });
      return c.json({ lines });
    } catch (error) {
      return failed(c, error);
    }
  });

  app.get("/api/events", (c) => {
    const logs = c.req.query("logs");
    const follow = logs === undefined ? undefined : logs === "*" ? null : logs;
    if (follow) {
      try {
        target.service(follow);
      } catch (error) {
        return failed(c, error);
      }
    }
    const stream = eventStream({
      target,
      masks,
      logs: follow,
      backlogBytes: options.backlogBytes ?? DEFAULT_BACKLOG_BYTES,
      linesPerSecond: options.linesPerSecond ?? DEFAULT_LINES_PER_SECOND,
      burstLines: options.burstLines ?? DEFAULT_BURST_LINES,
    });
    return new Response(stream, {
      headers: { "content-type": "text/event-stream; charset=utf-8" },
    });
  });

  servePages(app);
  app.notFound((c) => c.json({ error: `Nothing at ${c.req.path}.` }, 404));
  return app;
}

function origin(c: Context): string {
  return new URL(c.req.url).origin;
}

function tailOf(value: string | undefined): number | undefined {
  if (value === undefined) return DEFAULT_TAIL;
  const tail = Number(value);
  return /^\d+$/.test(value) && tail <= MAX_TAIL ? tail : undefined;
}

/** A service the host does not know is 404, a start while it stops 409; else a bug. */
function failed(c: Context, error: unknown): Response {
  if (error instanceof ControlError) {
    const status = error.code === RpcErrorCode.serviceNotFound ? 404 : 409;
    return c.json({ error: error.message }, status);
  }
  throw error;
}
