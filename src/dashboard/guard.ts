import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { REFUSED_CSP, refusedPage } from "./page/refused.js";
import type { Session, Sessions } from "./sessions.js";

/** What the guard leaves on the context for the handlers. */
export interface GuardVariables {
  session: Session;
}

/** Host names the dashboard answers to: a page of another site can never be one of them. */
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** Paths a visitor without a session may open: the login link. */
const OPEN = new Set(["/login"]);

/**
 * Every request passes here first, in this order:
 * - a Host header that is not a loopback name is refused (403): a DNS-rebinding page
 *   reaches 127.0.0.1 under its own name, which this tells apart;
 * - without the session cookie, everything but `/login` is 401;
 * - a state-changing call is a POST from the dashboard's own origin (the `Origin` header)
 *   carrying the session's CSRF token (`x-berth-csrf`), else 403.
 * No CORS header is ever sent, so other origins cannot read an answer; every answer
 * forbids caching, framing and sniffing.
 */
export function guard(sessions: Sessions): MiddlewareHandler<{ Variables: GuardVariables }> {
  return async (c, next) => {
    const host = c.req.header("host") ?? new URL(c.req.url).host;
    if (!LOOPBACK.has(hostName(host))) {
      return refuse(
        c,
        403,
        `berth's dashboard answers only at 127.0.0.1 or localhost, not ${host}.`,
      );
    }
    if (!OPEN.has(c.req.path)) {
      const session = sessions.find(getCookie(c, sessions.cookieName));
      if (!session) {
        return refuse(
          c,
          401,
          "Not logged in. Open the login link `berth run` printed, or run `berth dashboard` for a fresh one.",
        );
      }
      if (c.req.method !== "GET" && c.req.method !== "HEAD") {
        if (c.req.method !== "POST") return refuse(c, 405, `${c.req.method} is not allowed.`);
        if (c.req.header("origin")?.toLowerCase() !== `http://${host.toLowerCase()}`) {
          return refuse(c, 403, "A change must come from the dashboard's own page.");
        }
        if (c.req.header("x-berth-csrf") !== session.csrf) {
          return refuse(c, 403, "A change must carry the page's CSRF token; reload the page.");
        }
      }
      c.set("session", session);
    }
    await next();
    secure(c.res.headers);
  };
}

/** `127.0.0.1:4000` → `127.0.0.1`, `[::1]:4000` → `[::1]`, lower case. */
function hostName(host: string): string {
  const name = host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.split(":")[0]!;
  return name.toLowerCase();
}

/**
 * JSON for the API; for a person who opened any other path, a page that says what
 * happened and how to get a fresh login link.
 */
export function refuse(c: Context, status: 401 | 403 | 405, error: string): Response {
  if (c.req.path.startsWith("/api/")) {
    const response = c.json({ error }, status);
    secure(response.headers);
    return response;
  }
  const response = c.html(refusedPage(status, error), status);
  response.headers.set("content-security-policy", REFUSED_CSP);
  secure(response.headers);
  return response;
}

function secure(headers: Headers): void {
  headers.set("cache-control", "no-store");
  headers.set("x-content-type-options", "nosniff");
  headers.set("x-frame-options", "DENY");
  headers.set("referrer-policy", "no-referrer");
  // A refused page keeps its own, stricter one.
  if (!headers.has("content-security-policy")) {
    headers.set(
      "content-security-policy",
      "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    );
  }
}
